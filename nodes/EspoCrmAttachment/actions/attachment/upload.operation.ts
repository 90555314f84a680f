import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { EspoClient } from '../../client';
import {
	chunkSizeOption,
	concurrencyOption,
	entityTypeProperty,
	fieldProperty,
	fileNameOption,
	mimeTypeOption,
	timeoutOption,
	type FieldKinds,
} from '../common.descriptions';
import { fileSourceProperties } from './fileSource';
import { attachmentFieldOf } from './itemInput';
import { uploadItemFile } from './uploadSteps';

export const option = {
	name: 'Upload',
	value: 'upload',
	description: 'Upload a file as an attachment for a field, without linking it to a record',
	action: 'Upload an attachment',
};
export const subtitle = 'Upload';
export const writes = true;
const kinds: FieldKinds = 'allFields';

const properties: INodeProperties[] = [
	entityTypeProperty(kinds, 'The entity type whose field the file is meant for'),
	fieldProperty(
		kinds,
		'The File, Image or Attachment-Multiple field the file is meant for. EspoCRM checks the field\'s accepted file types and maximum size.',
	),
	...fileSourceProperties,
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
export async function execute(this: IExecuteFunctions, i: number, client: EspoClient): Promise<INodeExecutionData[]> {
	const field = await attachmentFieldOf(this, i, client, kinds);
	const attachment = await uploadItemFile(this, i, client, field);
	return [{ json: attachment, pairedItem: { item: i } }];
}
