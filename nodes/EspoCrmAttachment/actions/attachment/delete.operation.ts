import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { EspoClient } from '../../client';
import { attachmentProperty, requestOptions } from '../common.descriptions';
import { attachmentIdOf } from './itemInput';

export const option = {
	name: 'Delete',
	value: 'delete',
	description: 'Delete an attachment',
	action: 'Delete an attachment',
};
export const subtitle = 'Delete';
export const writes = true;

const properties: INodeProperties[] = [
	attachmentProperty('The attachment to delete. A record that lists it in a field no longer shows it.'),
	requestOptions,
];

export const description = updateDisplayOptions(
	{ show: { resource: ['attachment'], operation: ['delete'] } },
	properties,
);

export async function execute(this: IExecuteFunctions, i: number, client: EspoClient): Promise<INodeExecutionData[]> {
	const id = attachmentIdOf(this, i);
	await client.attachments.delete(id, i);
	return [{ json: { id, deleted: true }, pairedItem: { item: i } }];
}
