import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { ExecutionSession } from '../../session';
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
	session: ExecutionSession,
	item: INodeExecutionData,
) => Promise<INodeExecutionData[]>;

export const operations: Record<string, { description: INodeProperties[]; execute: OperationExecute }> = {
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
	options: [
		{
			name: 'Copy to Record',
			value: 'copyToRecord',
			description: 'Copy an attachment onto another record (the file is shared, the original stays)',
			action: 'Copy an attachment to a record',
		},
		{
			name: 'Delete',
			value: 'delete',
			description: 'Delete an attachment',
			action: 'Delete an attachment',
		},
		{
			name: 'Download',
			value: 'download',
			description: 'Download an attachment as a binary file',
			action: 'Download an attachment',
		},
		{
			name: 'Download From Record',
			value: 'downloadFromRecord',
			description: 'Download the file(s) of a record\'s File, Image or Attachment-Multiple field',
			action: 'Download the files of a record',
		},
		{
			name: 'Get',
			value: 'get',
			description: 'Get the details of an attachment',
			action: 'Get an attachment',
		},
		{
			name: 'Remove From Record',
			value: 'removeFromRecord',
			description: 'Take an attachment off a record, keeping its other attachments',
			action: 'Remove an attachment from a record',
		},
		{
			name: 'Upload',
			value: 'upload',
			description: 'Upload a file as an attachment for a field, without linking it to a record',
			action: 'Upload an attachment',
		},
		{
			name: 'Upload and Append to Attachment-Multiple Field',
			value: 'uploadToAttachmentMultiple',
			description: 'Upload a file and add it to a record\'s Attachment-Multiple field, keeping the files it has',
			action: 'Upload and append to an attachment multiple field',
		},
		{
			name: 'Upload and Link to File Field',
			value: 'uploadToFileField',
			description: 'Upload a file and put it in a File or Image field of a new or existing record',
			action: 'Upload and link to a file field',
		},
	],
};
