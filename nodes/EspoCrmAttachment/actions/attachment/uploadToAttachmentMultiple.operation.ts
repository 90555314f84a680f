import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { createRecord } from '../../protocol/records';
import type { ExecutionSession } from '../../session';
import { entityTypeProperty, fieldProperty, inputBinaryFieldProperty } from '../common.descriptions';
import { attachmentFieldOf, optionsOf, recordFieldsOf, recordIdOf } from './itemInput';
import { isTrue, recordTargetProperties, uploadAndLinkOptions } from './recordTarget';
import { linkOrCleanUp, uploadItemFile } from './uploadSteps';

const properties: INodeProperties[] = [
	entityTypeProperty('attachmentMultipleFields', 'The entity type of the record, e.g. Case or Note'),
	fieldProperty('attachmentMultipleFields', 'The Attachment-Multiple field to add the file to, e.g. attachments'),
	...recordTargetProperties(
		'The record to add the file to. The files it already has stay; items for the same record are added in one write.',
		false,
	),
	inputBinaryFieldProperty,
	uploadAndLinkOptions,
];

export const description = updateDisplayOptions(
	{ show: { resource: ['attachment'], operation: ['uploadToAttachmentMultiple'] } },
	properties,
);

/**
 * Upload, then add the new id to `<field>Ids` keeping the attachments the record has (a PUT of only
 * the new id would unlink all the others). Items for the same existing record wait for each other
 * and are written together.
 */
export async function execute(
	this: IExecuteFunctions,
	i: number,
	session: ExecutionSession,
): Promise<INodeExecutionData[]> {
	const field = await attachmentFieldOf(this, i, session, ['attachmentMultiple']);
	const { entityType } = field;
	const isNew = this.getNodeParameter('recordMode', i) === 'new';
	const recordId = isNew ? undefined : recordIdOf(this, i);
	const recordFields = isNew ? recordFieldsOf(this, i, field.name) : {};
	const options = optionsOf(this, i);

	const attachment = await uploadItemFile(this, i, session, field);
	const record = await linkOrCleanUp(this, i, session, attachment, isTrue(options, 'keepOnLinkFailure'), async () => {
		if (recordId === undefined) {
			const created = await session.limit(
				async () =>
					await createRecord(this, entityType, { ...recordFields, [`${field.name}Ids`]: [attachment.id] }, {
						skipDuplicateCheck: isTrue(options, 'skipDuplicateCheck'),
						itemIndex: i,
					}),
			);
			return { ...created, entityType, field: field.name };
		}
		await session.appendLater({ entityType, recordId, field: field.name }, [attachment.id], i);
		return { id: recordId, entityType, field: field.name };
	});
	return [{ json: { ...attachment, record }, pairedItem: { item: i } }];
}
