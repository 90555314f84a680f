import type { IExecuteFunctions, INodeExecutionData, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import type { EspoClient } from '../../client';
import * as copyToRecord from './copyToRecord.operation';
import * as deleteAttachment from './delete.operation';
import * as download from './download.operation';
import * as downloadFromRecord from './downloadFromRecord.operation';
import * as get from './get.operation';
import * as removeFromRecord from './removeFromRecord.operation';
import * as upload from './upload.operation';
import * as uploadToAttachmentMultiple from './uploadToAttachmentMultiple.operation';
import * as uploadToFileField from './uploadToFileField.operation';

export type OperationExecute = (
	this: IExecuteFunctions,
	itemIndex: number,
	client: EspoClient,
	item: INodeExecutionData,
) => Promise<INodeExecutionData[]>;

/** What each operation module exports; the node description, the subtitle and the router read it. */
export interface Operation {
	/** The entry in the Operation dropdown. */
	option: INodePropertyOptions & { action: string };
	/** The short name under the node on the canvas. */
	subtitle: string;
	/** Whether it changes EspoCRM (a failed run then says which other items were written). */
	writes: boolean;
	description: INodeProperties[];
	execute: OperationExecute;
}

export const operations: Record<string, Operation> = {
	upload,
	uploadToFileField,
	uploadToAttachmentMultiple,
	download,
	downloadFromRecord,
	get,
	copyToRecord,
	removeFromRecord,
	delete: deleteAttachment,
};

export const operationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show: { resource: ['attachment'] } },
	default: 'uploadToFileField',
	options: Object.values(operations)
		.map((operation) => operation.option)
		.sort((a, b) => a.name.localeCompare(b.name)),
};

/** The canvas shows the operation's name under the node, not its internal value. */
export const subtitle = `={{ ${JSON.stringify(
	Object.fromEntries(
		Object.values(operations)
			.map((operation) => [String(operation.option.value), operation.subtitle])
			.sort(([a], [b]) => a.localeCompare(b)),
	),
)}[$parameter["operation"]] }}`;
