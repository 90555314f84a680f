import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { EspoClient } from '../../client';
import { isSingleFileField } from '../../client/metadata';
import {
	attachmentProperty,
	concurrencyOption,
	entityTypeProperty,
	fieldProperty,
	recordProperty,
	timeoutOption,
	type FieldKinds,
} from '../common.descriptions';
import { attachmentIdOf, attachmentFieldOf, optionsOf, recordIdOf } from './itemInput';
import { isTrue, writeOutcomeFields } from './recordTarget';

export const option = {
	name: 'Remove From Record',
	value: 'removeFromRecord',
	description: 'Take an attachment off a record, keeping its other attachments',
	action: 'Remove an attachment from a record',
};
export const subtitle = 'Remove From Record';
export const writes = true;
const kinds: FieldKinds = 'allFields';

const properties: INodeProperties[] = [
	entityTypeProperty(kinds, 'The entity type of the record'),
	recordProperty('The record to take the attachment off'),
	fieldProperty(
		kinds,
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
			concurrencyOption,
			{
				displayName: 'Delete Attachment',
				name: 'deleteAttachment',
				type: 'boolean',
				default: false,
				description:
					'Whether to delete the attachment too. Without it, an attachment taken off an Attachment-Multiple field stays in EspoCRM, unlinked.',
			},
			timeoutOption,
		],
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['attachment'], operation: ['removeFromRecord'] } },
	properties,
);

/**
 * Takes the attachment off the record, in item order with the execution's other writes to that
 * record field: atomically through EspoCRM's relationship endpoint where it exists.
 */
export async function execute(this: IExecuteFunctions, i: number, client: EspoClient): Promise<INodeExecutionData[]> {
	const recordId = recordIdOf(this, i);
	const attachmentId = attachmentIdOf(this, i);
	const field = await attachmentFieldOf(this, i, client, kinds);
	const target = { entityType: field.entityType, recordId, field: field.name };

	if (isSingleFileField(field.type)) {
		// EspoCRM deletes the attachment of a File field that is emptied (observed §5.11e).
		const outcome = await client.records.clearFile(target, attachmentId, i);
		return [{ json: { id: attachmentId, removed: true, deleted: true, record: target, ...writeOutcomeFields(outcome) }, pairedItem: { item: i } }];
	}
	const outcome = await client.records.remove(target, attachmentId, i);
	const removed = outcome.removed === true;
	let deleted = false;
	if (removed && isTrue(optionsOf(this, i), 'deleteAttachment')) {
		// Never while a record holds it: a later item of this execution may have linked it again.
		deleted = (await client.attachments.deleteIfUnlinked(attachmentId, i)).deleted;
	}
	return [{ json: { id: attachmentId, removed, deleted, record: target, ...writeOutcomeFields({ ...outcome, removed: undefined }) }, pairedItem: { item: i } }];
}
