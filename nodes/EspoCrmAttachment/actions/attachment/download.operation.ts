import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { withBinary } from '../../binary';
import type { EspoClient } from '../../client';
import { attachmentProperty, outputBinaryFieldProperty, requestOptions } from '../common.descriptions';
import { attachmentIdOf } from './itemInput';

export const option = {
	name: 'Download',
	value: 'download',
	description: 'Download an attachment as a binary file',
	action: 'Download an attachment',
};
export const subtitle = 'Download';
export const writes = false;

const properties: INodeProperties[] = [
	attachmentProperty('The attachment to download'),
	outputBinaryFieldProperty,
	requestOptions,
];

export const description = updateDisplayOptions(
	{ show: { resource: ['attachment'], operation: ['download'] } },
	properties,
);

/** The attachment's file as a binary (name and MIME type from EspoCRM's record), its attributes as json. */
export async function execute(
	this: IExecuteFunctions,
	i: number,
	client: EspoClient,
	item: INodeExecutionData,
): Promise<INodeExecutionData[]> {
	const id = attachmentIdOf(this, i);
	const outputField = this.getNodeParameter('outputBinaryField', i) as string;
	const { attachment, binary } = await client.attachments.downloadById(id, i, this.helpers);
	return [withBinary(item, i, attachment, outputField, binary)];
}
