import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { EspoClient } from '../../client';
import { attachmentProperty, requestOptions } from '../common.descriptions';
import { attachmentIdOf } from './itemInput';

export const option = {
	name: 'Get',
	value: 'get',
	description: 'Get the details of an attachment',
	action: 'Get an attachment',
};
export const subtitle = 'Get';
export const writes = false;

const properties: INodeProperties[] = [attachmentProperty('The attachment whose details to get'), requestOptions];

export const description = updateDisplayOptions(
	{ show: { resource: ['attachment'], operation: ['get'] } },
	properties,
);

/** The attachment's attributes (name, type, size, field, parent/related record…), no file. */
export async function execute(this: IExecuteFunctions, i: number, client: EspoClient): Promise<INodeExecutionData[]> {
	const attachment = await client.attachments.get(attachmentIdOf(this, i), i);
	return [{ json: attachment, pairedItem: { item: i } }];
}
