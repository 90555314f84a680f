import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { getAttachment } from '../../protocol/download';
import type { ExecutionSession } from '../../session';
import { attachmentProperty, requestOptions } from '../common.descriptions';
import { attachmentIdOf } from './itemInput';

const properties: INodeProperties[] = [attachmentProperty('The attachment whose details to get'), requestOptions];

export const description = updateDisplayOptions(
	{ show: { resource: ['attachment'], operation: ['get'] } },
	properties,
);

/** The attachment's attributes (name, type, size, field, parent/related record…), no file. */
export async function execute(
	this: IExecuteFunctions,
	i: number,
	session: ExecutionSession,
): Promise<INodeExecutionData[]> {
	const id = attachmentIdOf(this, i);
	const attachment = await session.limit(async () => await getAttachment(this, id, i));
	return [{ json: attachment, pairedItem: { item: i } }];
}
