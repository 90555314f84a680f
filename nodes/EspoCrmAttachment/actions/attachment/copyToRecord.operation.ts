import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { EspoClient } from '../../client';
import { isSingleFileField } from '../../client/metadata';
import {
	attachmentProperty,
	concurrencyOption,
	entityTypeProperty,
	fieldProperty,
	keepOnFailureOption,
	recordProperty,
	timeoutOption,
	type FieldKinds,
} from '../common.descriptions';
import { attachmentIdOf, attachmentFieldOf, optionsOf, recordIdOf } from './itemInput';
import { isTrue, writeOutcomeFields } from './recordTarget';
import { linkOrCleanUp } from './uploadSteps';

export const option = {
	name: 'Copy to Record',
	value: 'copyToRecord',
	description: 'Copy an attachment onto another record (the file is shared, the original stays)',
	action: 'Copy an attachment to a record',
};
export const subtitle = 'Copy to Record';
export const writes = true;
const kinds: FieldKinds = 'allFields';

const properties: INodeProperties[] = [
	attachmentProperty('The attachment to copy. It stays where it is; the copy shares its stored file.', 'Source Attachment'),
	entityTypeProperty(kinds, 'The entity type of the record that gets the copy'),
	recordProperty('The record that gets the copy'),
	fieldProperty(
		kinds,
		'The File, Image or Attachment-Multiple field that gets the copy. A File field\'s previous attachment is deleted by EspoCRM.',
	),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [concurrencyOption, keepOnFailureOption, timeoutOption],
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['attachment'], operation: ['copyToRecord'] } },
	properties,
);

/**
 * Copies an attachment onto another record. `Attachment/copy/{id}` makes a new attachment that
 * shares the stored file; linking the original id instead would move it away from its record.
 */
export async function execute(this: IExecuteFunctions, i: number, client: EspoClient): Promise<INodeExecutionData[]> {
	const sourceId = attachmentIdOf(this, i);
	const recordId = recordIdOf(this, i);
	const field = await attachmentFieldOf(this, i, client, kinds);
	const target = { entityType: field.entityType, recordId, field: field.name };

	const { confirmedAfterLostAnswer: copyConfirmed, ...copy } = await client.attachments.copy(sourceId, field, i);
	const outcome = await linkOrCleanUp(this, i, client, copy, isTrue(optionsOf(this, i), 'keepOnLinkFailure'), async () =>
		isSingleFileField(field.type)
			? await client.records.setFile(target, copy.id, {}, i)
			: await client.records.append(target, [copy.id], i),
	);
	const json: IDataObject = {
		...copy,
		record: { id: recordId, entityType: field.entityType, field: field.name },
		...(copyConfirmed ? { copyConfirmedAfterLostAnswer: true } : {}),
		...writeOutcomeFields(outcome),
	};
	if (typeof outcome.replacedBy === 'string') json.deleted = (await client.attachments.deleteIfUnlinked(copy.id, i)).deleted;
	return [{ json, pairedItem: { item: i } }];
}
