import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { withBinary } from '../../binary';
import { downloadById } from '../../protocol/download';
import { isSingleFileField } from '../../protocol/metadata';
import { readRecord } from '../../protocol/records';
import type { ExecutionSession } from '../../session';
import {
	entityTypeProperty,
	fieldProperty,
	outputBinaryFieldProperty,
	recordProperty, requestOptions } from '../common.descriptions';
import { attachmentFieldOf, recordIdOf } from './itemInput';

const properties: INodeProperties[] = [
	entityTypeProperty('allFields', 'The entity type of the record'),
	recordProperty('The record whose files to download'),
	fieldProperty(
		'allFields',
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
	session: ExecutionSession,
	item: INodeExecutionData,
): Promise<INodeExecutionData[]> {
	const recordId = recordIdOf(this, i);
	const field = await attachmentFieldOf(this, i, session, ['file', 'image', 'attachmentMultiple']);
	const { entityType } = field;
	const outputField = this.getNodeParameter('outputBinaryField', i) as string;

	const record = await session.limit(async () => await readRecord(this, entityType, recordId, i));
	const value = isSingleFileField(field.type) ? record[`${field.name}Id`] : record[`${field.name}Ids`];
	const ids = (Array.isArray(value) ? value : [value]).filter((id): id is string => typeof id === 'string' && id !== '');

	const results: INodeExecutionData[] = [];
	for (const id of ids) {
		results.push(
			await session.limit(async () => {
				const { attachment, binary } = await downloadById(this, id, i);
				return withBinary(item, i, { ...attachment, record: { id: recordId, entityType, field: field.name } }, outputField, binary);
			}),
		);
	}
	return results;
}
