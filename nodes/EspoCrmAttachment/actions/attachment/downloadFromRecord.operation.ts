import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { withBinary } from '../../binary';
import type { EspoClient } from '../../client';
import { isSingleFileField } from '../../client/metadata';
import {
	entityTypeProperty,
	fieldProperty,
	outputBinaryFieldProperty,
	recordProperty,
	requestOptions,
	type FieldKinds,
} from '../common.descriptions';
import { attachmentFieldOf, recordIdOf } from './itemInput';

export const option = {
	name: 'Download From Record',
	value: 'downloadFromRecord',
	description: 'Download the file(s) of a record\'s File, Image or Attachment-Multiple field',
	action: 'Download the files of a record',
};
export const subtitle = 'Download From Record';
export const writes = false;
const kinds: FieldKinds = 'allFields';

const properties: INodeProperties[] = [
	entityTypeProperty(kinds, 'The entity type of the record'),
	recordProperty('The record whose files to download'),
	fieldProperty(
		kinds,
		'The field to download: a File or Image field gives one item, an Attachment-Multiple field one item per file',
	),
	outputBinaryFieldProperty,
	requestOptions,
];

export const description = updateDisplayOptions(
	{ show: { resource: ['attachment'], operation: ['downloadFromRecord'] } },
	properties,
);

/** The file of a File/Image field, or one output item per file of an Attachment-Multiple field. */
export async function execute(
	this: IExecuteFunctions,
	i: number,
	client: EspoClient,
	item: INodeExecutionData,
): Promise<INodeExecutionData[]> {
	const recordId = recordIdOf(this, i);
	const field = await attachmentFieldOf(this, i, client, kinds);
	const { entityType } = field;
	const outputField = this.getNodeParameter('outputBinaryField', i) as string;

	const record = await client.records.read(entityType, recordId, i);
	const value = isSingleFileField(field.type) ? record[`${field.name}Id`] : record[`${field.name}Ids`];
	const ids = (Array.isArray(value) ? value : [value]).filter((id): id is string => typeof id === 'string' && id !== '');

	const results: INodeExecutionData[] = [];
	for (const id of ids) {
		const { attachment, binary } = await client.attachments.downloadById(id, i, this.helpers);
		results.push(withBinary(item, i, { ...attachment, record: { id: recordId, entityType, field: field.name } }, outputField, binary));
	}
	return results;
}
