import type { INodeProperties } from 'n8n-workflow';

import type { AttachmentFieldType } from '../client/metadata';

const EXPRESSION_HINT =
	'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>';

export type FieldKinds = 'fileFields' | 'attachmentMultipleFields' | 'allFields';

/** The EspoCRM field types behind each kind: what the dropdowns list and what execute accepts. */
export const FIELD_TYPES: Record<FieldKinds, AttachmentFieldType[]> = {
	fileFields: ['file', 'image'],
	attachmentMultipleFields: ['attachmentMultiple'],
	allFields: ['file', 'image', 'attachmentMultiple'],
};

const FIELD_LOADERS: Record<FieldKinds, string> = {
	fileFields: 'getFileFields',
	attachmentMultipleFields: 'getAttachmentMultipleFields',
	allFields: 'getAttachmentFields',
};

const ENTITY_LOADERS: Record<FieldKinds, string> = {
	fileFields: 'getEntityTypesWithFileFields',
	attachmentMultipleFields: 'getEntityTypesWithAttachmentMultipleFields',
	allFields: 'getEntityTypes',
};

export function entityTypeProperty(kinds: FieldKinds, description: string): INodeProperties {
	return {
		displayName: 'Entity Type Name or ID',
		name: 'entityType',
		type: 'options',
		typeOptions: { loadOptionsMethod: ENTITY_LOADERS[kinds] },
		required: true,
		default: '',
		description: `${description.replace(/\.$/, '')}. ${EXPRESSION_HINT}.`,
	};
}

export function fieldProperty(kinds: FieldKinds, description: string): INodeProperties {
	return {
		displayName: 'Field Name or ID',
		name: 'field',
		type: 'options',
		typeOptions: { loadOptionsMethod: FIELD_LOADERS[kinds], loadOptionsDependsOn: ['entityType'] },
		required: true,
		default: '',
		description: `${description.replace(/\.$/, '')}. ${EXPRESSION_HINT}.`,
	};
}

export function recordProperty(description: string, displayOptions?: INodeProperties['displayOptions']): INodeProperties {
	return {
		displayName: 'Record',
		name: 'recordId',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description,
		displayOptions,
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: 'Select a record...',
				typeOptions: { searchListMethod: 'searchRecords', searchable: true },
			},
			{
				displayName: 'By URL',
				name: 'url',
				type: 'string',
				placeholder: 'https://crm.example.com/#Case/view/6650c0f1a2b3c4d5e',
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: '6650c0f1a2b3c4d5e',
			},
		],
	};
}

export function attachmentProperty(description: string, displayName = 'Attachment'): INodeProperties {
	return {
		displayName,
		name: 'attachmentId',
		type: 'resourceLocator',
		default: { mode: 'id', value: '' },
		required: true,
		description,
		modes: [
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: '6650c0f1a2b3c4d5e',
			},
			{
				displayName: 'By URL',
				name: 'url',
				type: 'string',
				placeholder: 'https://crm.example.com/#Attachment/view/6650c0f1a2b3c4d5e',
			},
			{
				displayName: 'From List (Admin Users)',
				name: 'list',
				type: 'list',
				placeholder: 'Select an attachment...',
				typeOptions: { searchListMethod: 'searchAttachments', searchable: true },
			},
		],
	};
}

export const inputBinaryFieldProperty: INodeProperties = {
	displayName: 'Input Binary Field',
	name: 'binaryPropertyName',
	type: 'string',
	default: 'data',
	required: true,
	hint: 'The name of the input binary field containing the file to be uploaded',
};

export const outputBinaryFieldProperty: INodeProperties = {
	displayName: 'Put Output File in Field',
	name: 'outputBinaryField',
	type: 'string',
	default: 'data',
	required: true,
	hint: 'The name of the output binary field to put the file in',
};

export const recordModeProperty: INodeProperties = {
	displayName: 'Record',
	name: 'recordMode',
	type: 'options',
	default: 'existing',
	options: [
		{ name: 'Existing Record', value: 'existing', description: 'Attach the file to a record that exists' },
		{ name: 'New Record', value: 'new', description: 'Create a record that carries the file' },
	],
	description: 'Whether to attach the file to an existing record or to a new one',
};

export const recordFieldsProperties: INodeProperties[] = [
	{
		displayName: 'Record Fields Input',
		name: 'recordFieldsInput',
		type: 'options',
		default: 'keyValue',
		options: [
			{ name: 'Field Names and Values', value: 'keyValue' },
			{ name: 'JSON', value: 'json' },
		],
		description: 'How to give the other field values of the record (e.g. name and publishDate of a Document)',
	},
	{
		displayName: 'Record Fields',
		name: 'recordFields',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Field',
		default: {},
		description: 'Field values of the record, one per row (the field name as in EspoCRM, and its value)',
		displayOptions: { show: { recordFieldsInput: ['keyValue'] } },
		options: [
			{
				displayName: 'Field',
				name: 'field',
				values: [
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						placeholder: 'name',
						description: 'The field name as in EspoCRM (Entity Manager), e.g. name, publishDate, status',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
					},
				],
			},
		],
	},
	{
		displayName: 'Record Fields (JSON)',
		name: 'recordFieldsJson',
		type: 'json',
		default: '{}',
		displayOptions: { show: { recordFieldsInput: ['json'] } },
		description: 'A JSON object of field values, e.g. {"name": "Contract", "publishDate": "2026-01-31"}',
	},
];

export const chunkSizeOption: INodeProperties = {
	displayName: 'Chunk Size (MB)',
	name: 'chunkSizeMb',
	type: 'number',
	typeOptions: { minValue: 0, numberPrecision: 2 },
	default: 0,
	description:
		'Files bigger than this are uploaded in chunks. 0 uses the server setting (Attachment Upload Chunk Size, 4 MB by default).',
};

export const concurrencyOption: INodeProperties = {
	displayName: 'Concurrency',
	name: 'concurrency',
	type: 'number',
	typeOptions: { minValue: 1, maxValue: 32 },
	default: 5,
	description: 'How many items are sent to EspoCRM at the same time. Chunks of one file are always sent one after another.',
};

export const timeoutOption: INodeProperties = {
	displayName: 'Timeout (Seconds)',
	name: 'timeoutSeconds',
	type: 'number',
	typeOptions: { minValue: 1 },
	default: 300,
	description: 'How long to wait for EspoCRM to answer one request',
};

export const fileNameOption: INodeProperties = {
	displayName: 'File Name',
	name: 'fileName',
	type: 'string',
	default: '',
	description: 'The name EspoCRM shows for the file. Empty uses the name of the input file.',
	// A file made from text or base64 has its own File Name and MIME Type parameters.
	displayOptions: { show: { '/fileSource': ['binary'] } },
};

export const mimeTypeOption: INodeProperties = {
	displayName: 'MIME Type',
	name: 'mimeType',
	type: 'string',
	default: '',
	placeholder: 'application/pdf',
	description: 'The MIME type to store. Empty uses the MIME type of the input file.',
	displayOptions: { show: { '/fileSource': ['binary'] } },
};

export const keepOnFailureOption: INodeProperties = {
	displayName: 'Keep Attachment If Linking Fails',
	name: 'keepOnLinkFailure',
	type: 'boolean',
	default: false,
	description:
		'Whether to keep the uploaded attachment when the record cannot be created or updated. By default it is deleted so that nothing is left behind.',
};

export const skipDuplicateCheckOption: INodeProperties = {
	displayName: 'Skip Duplicate Check',
	name: 'skipDuplicateCheck',
	type: 'boolean',
	default: false,
	description: 'Whether to create a new record even if EspoCRM considers it a duplicate of an existing one',
};

/** Options of the operations that only read or delete. */
export const requestOptions: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [concurrencyOption, timeoutOption],
};
