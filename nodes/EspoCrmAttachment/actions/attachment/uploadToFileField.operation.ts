import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { EspoClient } from '../../client';
import type { WriteOutcome } from '../../client/writeQueue';
import { entityTypeProperty, fieldProperty, type FieldKinds } from '../common.descriptions';
import { fileSourceProperties } from './fileSource';
import { attachmentFieldOf, optionsOf, recordFieldsOf, recordIdOf } from './itemInput';
import { isTrue, recordTargetProperties, uploadAndLinkOptions, writeOutcomeFields } from './recordTarget';
import { linkOrCleanUp, uploadItemFile } from './uploadSteps';

export const option = {
	name: 'Upload and Link to File Field',
	value: 'uploadToFileField',
	description: 'Upload a file and put it in a File or Image field of a new or existing record',
	action: 'Upload and link to a file field',
};
export const subtitle = 'Upload and Link';
export const writes = true;
const kinds: FieldKinds = 'fileFields';

const properties: INodeProperties[] = [
	entityTypeProperty(kinds, 'The entity type of the record, e.g. Document'),
	fieldProperty(
		kinds,
		'The File or Image field to put the file in, e.g. file on Document. Replacing a file deletes the previous attachment in EspoCRM.',
	),
	...recordTargetProperties(
		'The record whose field gets the file. If the field already holds a file, EspoCRM deletes that attachment.',
		true,
	),
	...fileSourceProperties,
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

/**
 * Upload, then set `<field>Id` on a new or an existing record. Items for the same existing record
 * are applied in item order: the last item's file wins, the earlier uploads are replaced.
 */
export async function execute(this: IExecuteFunctions, i: number, client: EspoClient): Promise<INodeExecutionData[]> {
	const isNew = this.getNodeParameter('recordMode', i) === 'new';
	const recordId = isNew ? undefined : recordIdOf(this, i);
	const field = await attachmentFieldOf(this, i, client, kinds);
	const { entityType } = field;
	const recordFields = recordFieldsOf(this, i, field.name);
	const options = optionsOf(this, i);

	const attachment = await uploadItemFile(this, i, client, field);
	const outcome: WriteOutcome = await linkOrCleanUp(this, i, client, attachment, isTrue(options, 'keepOnLinkFailure'), async () => {
		if (recordId !== undefined) {
			return await client.records.setFile({ entityType, recordId, field: field.name }, attachment.id, recordFields, i);
		}
		const { confirmedAfterLostAnswer, ...record } = await client.records.create(
			entityType,
			{ ...recordFields, [`${field.name}Id`]: attachment.id },
			{ field, attachmentId: attachment.id },
			{ skipDuplicateCheck: isTrue(options, 'skipDuplicateCheck'), itemIndex: i },
		);
		return { record, confirmedAfterLostAnswer };
	});
	const json: IDataObject = {
		...attachment,
		record: { ...(outcome.record ?? { id: recordId }), entityType, field: field.name },
		...writeOutcomeFields(outcome),
	};
	if (typeof outcome.replacedBy === 'string') {
		// A later item's file won; EspoCRM would have deleted this one when it was replaced (observed §5.07).
		json.deleted = (await client.attachments.deleteIfUnlinked(attachment.id, i)).deleted;
	}
	return [{ json, pairedItem: { item: i } }];
}
