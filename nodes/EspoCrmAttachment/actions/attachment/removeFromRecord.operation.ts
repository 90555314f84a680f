import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { isSingleFileField } from '../../protocol/metadata';
import { readRecord, removeFromAttachmentMultiple, updateRecord } from '../../protocol/records';
import type { ExecutionSession } from '../../session';
import { deleteAttachment } from '../../protocol/download';
import { attachmentProperty, entityTypeProperty, fieldProperty, recordProperty } from '../common.descriptions';
import { attachmentIdOf, attachmentFieldOf, optionsOf, recordIdOf } from './itemInput';
import { isTrue } from './recordTarget';

const properties: INodeProperties[] = [
	entityTypeProperty('allFields', 'The entity type of the record'),
	recordProperty('The record to take the attachment off'),
	fieldProperty(
		'allFields',
		'The field that holds the attachment. Clearing a File or Image field makes EspoCRM delete the attachment; a required field cannot be cleared.',
	),
	attachmentProperty('The attachment to take off the record. The record\'s other attachments stay.'),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Delete Attachment',
				name: 'deleteAttachment',
				type: 'boolean',
				default: false,
				description:
					'Whether to delete the attachment too. Without it, an attachment taken off an Attachment-Multiple field stays in EspoCRM, unlinked.',
			},
		],
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['attachment'], operation: ['removeFromRecord'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	i: number,
	session: ExecutionSession,
): Promise<INodeExecutionData[]> {
	const recordId = recordIdOf(this, i);
	const attachmentId = attachmentIdOf(this, i);
	const field = await attachmentFieldOf(this, i, session, ['file', 'image', 'attachmentMultiple']);
	const { entityType } = field;
	const target = { entityType, recordId, field: field.name };

	return await session.limit(async () => {
		let deleted = false;
		let removed: boolean;
		if (isSingleFileField(field.type)) {
			const record = await readRecord(this, entityType, recordId, i);
			const current = record[`${field.name}Id`];
			if (current !== attachmentId) {
				throw new NodeOperationError(
					this.getNode(),
					`${entityType} ${recordId} does not hold attachment ${attachmentId} in '${field.name}' (it holds ${typeof current === 'string' ? current : 'no file'})`,
					{ itemIndex: i, description: 'Nothing was changed. Check the attachment ID.' },
				);
			}
			// EspoCRM deletes the previous attachment of a File field when it changes (reference §6.1).
			await updateRecord(this, entityType, recordId, { [`${field.name}Id`]: null }, { itemIndex: i });
			removed = true;
			deleted = true;
		} else {
			removed = await removeFromAttachmentMultiple(this, target, attachmentId, i);
			if (removed && isTrue(optionsOf(this, i), 'deleteAttachment')) {
				await deleteAttachment(this, attachmentId, i);
				deleted = true;
			}
		}
		return [{ json: { id: attachmentId, removed, deleted, record: target }, pairedItem: { item: i } }];
	});
}
