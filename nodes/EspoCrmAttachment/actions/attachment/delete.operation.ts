import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { deleteAttachment } from '../../protocol/download';
import type { ExecutionSession } from '../../session';
import { attachmentProperty, requestOptions } from '../common.descriptions';
import { attachmentIdOf } from './itemInput';

const properties: INodeProperties[] = [
	attachmentProperty('The attachment to delete. A record that lists it in a field no longer shows it.'),
	requestOptions,
];

export const description = updateDisplayOptions(
	{ show: { resource: ['attachment'], operation: ['delete'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	i: number,
	session: ExecutionSession,
): Promise<INodeExecutionData[]> {
	const id = attachmentIdOf(this, i);
	await session.limit(async () => await deleteAttachment(this, id, i));
	return [{ json: { id, deleted: true }, pairedItem: { item: i } }];
}
