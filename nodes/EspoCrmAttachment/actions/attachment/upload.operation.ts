import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { ExecutionSession } from '../../session';
import {
	chunkSizeOption,
	concurrencyOption,
	entityTypeProperty,
	fieldProperty,
	fileNameOption,
	inputBinaryFieldProperty,
	mimeTypeOption,
	timeoutOption,
} from '../common.descriptions';
import { attachmentFieldOf } from './itemInput';
import { uploadItemFile } from './uploadSteps';

const properties: INodeProperties[] = [
	entityTypeProperty('allFields', 'The entity type whose field the file is meant for'),
	fieldProperty(
		'allFields',
		'The File, Image or Attachment-Multiple field the file is meant for. EspoCRM checks the field\'s accepted file types and maximum size.',
	),
	inputBinaryFieldProperty,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [chunkSizeOption, concurrencyOption, fileNameOption, mimeTypeOption, timeoutOption],
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['attachment'], operation: ['upload'] } },
	properties,
);

/** Uploads the file without linking it: link it later by setting <field>Id or <field>Ids on a record. */
export async function execute(
	this: IExecuteFunctions,
	i: number,
	session: ExecutionSession,
): Promise<INodeExecutionData[]> {
	const field = await attachmentFieldOf(this, i, session, ['file', 'image', 'attachmentMultiple']);
	const attachment = await uploadItemFile(this, i, session, field);
	return [{ json: attachment, pairedItem: { item: i } }];
}
