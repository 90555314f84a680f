import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { isSingleFileField } from '../../protocol/metadata';
import { updateRecord } from '../../protocol/records';
import type { UploadedAttachment } from '../../protocol/upload';
import type { ExecutionSession } from '../../session';
import { apiPath, espoRequest } from '../../transport';
import {
	attachmentProperty,
	entityTypeProperty,
	fieldProperty,
	keepOnFailureOption,
	recordProperty,
} from '../common.descriptions';
import { attachmentIdOf, attachmentFieldOf, optionsOf, recordIdOf } from './itemInput';
import { isTrue } from './recordTarget';
import { linkOrCleanUp } from './uploadSteps';

const properties: INodeProperties[] = [
	attachmentProperty('The attachment to copy. It stays where it is; the copy shares its stored file.', 'Source Attachment'),
	entityTypeProperty('allFields', 'The entity type of the record that gets the copy'),
	recordProperty('The record that gets the copy'),
	fieldProperty(
		'allFields',
		'The File, Image or Attachment-Multiple field that gets the copy. A File field\'s previous attachment is deleted by EspoCRM.',
	),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [keepOnFailureOption],
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
export async function execute(
	this: IExecuteFunctions,
	i: number,
	session: ExecutionSession,
): Promise<INodeExecutionData[]> {
	const sourceId = attachmentIdOf(this, i);
	const recordId = recordIdOf(this, i);
	const field = await attachmentFieldOf(this, i, session, ['file', 'image', 'attachmentMultiple']);
	const { entityType } = field;
	const single = isSingleFileField(field.type);

	const copy = await session.limit(
		async () =>
			await espoRequest<UploadedAttachment>(this, {
				method: 'POST',
				path: apiPath('Attachment', 'copy', sourceId),
				body: { field: field.name, [single ? 'relatedType' : 'parentType']: entityType },
				itemIndex: i,
			}),
	);
	await linkOrCleanUp(this, i, session, copy, isTrue(optionsOf(this, i), 'keepOnLinkFailure'), async () => {
		if (single) {
			await session.limit(async () => await updateRecord(this, entityType, recordId, { [`${field.name}Id`]: copy.id }, { itemIndex: i }));
		} else {
			await session.appendLater({ entityType, recordId, field: field.name }, [copy.id], i);
		}
	});
	return [{ json: { ...copy, record: { id: recordId, entityType, field: field.name } }, pairedItem: { item: i } }];
}
