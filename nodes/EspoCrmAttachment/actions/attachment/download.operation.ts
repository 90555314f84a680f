import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { withBinary } from '../../binary';
import { downloadById } from '../../protocol/download';
import type { ExecutionSession } from '../../session';
import { attachmentProperty, outputBinaryFieldProperty, requestOptions } from '../common.descriptions';
import { attachmentIdOf } from './itemInput';

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
	session: ExecutionSession,
	item: INodeExecutionData,
): Promise<INodeExecutionData[]> {
	const id = attachmentIdOf(this, i);
	const outputField = this.getNodeParameter('outputBinaryField', i) as string;
	return await session.limit(async () => {
		const { attachment, binary } = await downloadById(this, id, i);
		return [withBinary(item, i, attachment, outputField, binary)];
	});
}
