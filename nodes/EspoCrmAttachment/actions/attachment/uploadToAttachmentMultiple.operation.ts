import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { EspoClient } from '../../client';
import type { WriteOutcome } from '../../client/writeQueue';
import { entityTypeProperty, fieldProperty, type FieldKinds } from '../common.descriptions';
import { fileSourceProperties } from './fileSource';
import { attachmentFieldOf, optionsOf, recordFieldsOf, recordIdOf } from './itemInput';
import { isTrue, recordTargetProperties, uploadAndLinkOptions, writeOutcomeFields } from './recordTarget';
import { linkOrCleanUp, uploadItemFile } from './uploadSteps';

export const option = {
	name: 'Upload and Append to Attachment-Multiple Field',
	value: 'uploadToAttachmentMultiple',
	description: 'Upload a file and add it to a record\'s Attachment-Multiple field, keeping the files it has',
	action: 'Upload and append to an attachment multiple field',
};
export const subtitle = 'Upload and Append';
export const writes = true;
const kinds: FieldKinds = 'attachmentMultipleFields';

const properties: INodeProperties[] = [
	entityTypeProperty(kinds, 'The entity type of the record, e.g. Case or Note'),
	fieldProperty(kinds, 'The Attachment-Multiple field to add the file to, e.g. attachments'),
	...recordTargetProperties(
		'The record to add the file to. The files it already has stay; items for the same record are added in one write.',
		false,
	),
	...fileSourceProperties,
	uploadAndLinkOptions,
];

export const description = updateDisplayOptions(
	{ show: { resource: ['attachment'], operation: ['uploadToAttachmentMultiple'] } },
	properties,
);

/**
 * Upload, then add the new id to `<field>Ids` keeping the attachments the record has (a PUT of only
 * the new id would unlink all the others). Items for the same existing record wait for each other
 * and are written together, in item order.
 */
export async function execute(this: IExecuteFunctions, i: number, client: EspoClient): Promise<INodeExecutionData[]> {
	const isNew = this.getNodeParameter('recordMode', i) === 'new';
	const recordId = isNew ? undefined : recordIdOf(this, i);
	const field = await attachmentFieldOf(this, i, client, kinds);
	const { entityType } = field;
	const recordFields = isNew ? recordFieldsOf(this, i, field.name) : {};
	const options = optionsOf(this, i);

	const attachment = await uploadItemFile(this, i, client, field);
	const outcome: WriteOutcome = await linkOrCleanUp(this, i, client, attachment, isTrue(options, 'keepOnLinkFailure'), async () => {
		if (recordId !== undefined) {
			return await client.records.append({ entityType, recordId, field: field.name }, [attachment.id], i);
		}
		const { confirmedAfterLostAnswer, ...record } = await client.records.create(
			entityType,
			{ ...recordFields, [`${field.name}Ids`]: [attachment.id] },
			{ field, attachmentId: attachment.id },
			{ skipDuplicateCheck: isTrue(options, 'skipDuplicateCheck'), itemIndex: i },
		);
		return { record, confirmedAfterLostAnswer };
	});
	return [
		{
			json: {
				...attachment,
				record: { ...(outcome.record ?? { id: recordId }), entityType, field: field.name },
				...writeOutcomeFields(outcome),
			},
			pairedItem: { item: i },
		},
	];
}
