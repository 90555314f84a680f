import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { createRecord, updateRecord } from '../../protocol/records';
import type { ExecutionSession } from '../../session';
import { entityTypeProperty, fieldProperty, inputBinaryFieldProperty } from '../common.descriptions';
import { attachmentFieldOf, optionsOf, recordFieldsOf, recordIdOf } from './itemInput';
import { isTrue, recordTargetProperties, uploadAndLinkOptions } from './recordTarget';
import { linkOrCleanUp, uploadItemFile } from './uploadSteps';

const properties: INodeProperties[] = [
	entityTypeProperty('fileFields', 'The entity type of the record, e.g. Document'),
	fieldProperty(
		'fileFields',
		'The File or Image field to put the file in, e.g. file on Document. Replacing a file deletes the previous attachment in EspoCRM.',
	),
	...recordTargetProperties(
		'The record whose field gets the file. If the field already holds a file, EspoCRM deletes that attachment.',
		true,
	),
	inputBinaryFieldProperty,
	{
		displayName:
			'Replacing the file of an existing record deletes the previous attachment in EspoCRM (EspoCRM does this itself when a File field changes).',
		name: 'replaceNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { recordMode: ['existing'] } },
	},
	uploadAndLinkOptions,
];

export const description = updateDisplayOptions(
	{ show: { resource: ['attachment'], operation: ['uploadToFileField'] } },
	properties,
);

/** Upload, then set `<field>Id` on a new or an existing record. */
export async function execute(
	this: IExecuteFunctions,
	i: number,
	session: ExecutionSession,
): Promise<INodeExecutionData[]> {
	const field = await attachmentFieldOf(this, i, session, ['file', 'image']);
	const { entityType } = field;
	const isNew = this.getNodeParameter('recordMode', i) === 'new';
	const recordId = isNew ? undefined : recordIdOf(this, i);
	const recordFields = recordFieldsOf(this, i, field.name);
	const options = optionsOf(this, i);

	const attachment = await uploadItemFile(this, i, session, field);
	const record = await linkOrCleanUp(this, i, session, attachment, isTrue(options, 'keepOnLinkFailure'), async () =>
		await session.limit(async () => {
			const data = { ...recordFields, [`${field.name}Id`]: attachment.id };
			return recordId === undefined
				? await createRecord(this, entityType, data, {
						skipDuplicateCheck: isTrue(options, 'skipDuplicateCheck'),
						itemIndex: i,
					})
				: await updateRecord(this, entityType, recordId, data, { itemIndex: i });
		}),
	);
	return [
		{
			json: { ...attachment, record: { ...record, entityType, field: field.name } },
			pairedItem: { item: i },
		},
	];
}
