import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { bufferFile, inputFile, type InputFile } from '../../binary';
import { cleanMimeType } from '../../client/mime';
import { inputBinaryFieldProperty } from '../common.descriptions';

// Where the file to upload comes from. An AI agent's tool call carries no binary: n8n builds the
// tool node's input item from the call's arguments alone (n8n-core 2.41 requests-response.ts
// prepareRequestedNodesForExecution: `{ json: { ...agent item's json, ...arguments, toolCallId } }`,
// no `binary`; the older supplyData path gives `[{ json: toolArgs }]`). So a tool can only upload a
// file given as a parameter: text (stored as UTF-8) or base64. Both become a Buffer and take the same
// upload path as a binary (size limits, chunks, settlement).

export type FileSource = 'binary' | 'text' | 'base64';

const showFor = (...sources: FileSource[]) => ({ show: { fileSource: sources } });

export const fileSourceProperties: INodeProperties[] = [
	{
		displayName: 'File Source',
		name: 'fileSource',
		type: 'options',
		default: 'binary',
		options: [
			{
				name: 'Binary Field',
				value: 'binary',
				description: 'The file in a binary field of the input item, e.g. from an HTTP Request, a form or an email',
			},
			{
				name: 'Text',
				value: 'text',
				description: 'A file made from text, stored as UTF-8, e.g. a note, a CSV or a summary an AI agent writes',
			},
			{
				name: 'Base64',
				value: 'base64',
				description: 'A file made from base64-encoded bytes or a data URI',
			},
		],
		description:
			'Where the file to upload comes from. An AI agent\'s tool call carries no binary file, so a tool uploads text or base64.',
	},
	{ ...inputBinaryFieldProperty, displayOptions: showFor('binary') },
	{
		displayName: 'File Name',
		name: 'fileName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'notes.txt',
		description:
			'The name EspoCRM shows for the file, with its extension, e.g. notes.txt. EspoCRM checks the extension against the field\'s accepted file types.',
		displayOptions: showFor('text', 'base64'),
	},
	{
		displayName: 'File Content',
		name: 'fileContent',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		required: true,
		description: 'The text of the file, stored as UTF-8 bytes',
		displayOptions: showFor('text'),
	},
	{
		displayName: 'Base64 Content',
		name: 'fileContentBase64',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		required: true,
		description:
			'The bytes of the file, base64-encoded. A data URI (data:application/pdf;base64,…) is accepted too, and its MIME type is used when "MIME Type" is empty.',
		displayOptions: showFor('base64'),
	},
	{
		displayName: 'MIME Type',
		name: 'textMimeType',
		type: 'string',
		default: 'text/plain',
		description: 'The MIME type to store, e.g. text/plain, text/csv or text/markdown',
		displayOptions: showFor('text'),
	},
	{
		displayName: 'MIME Type',
		name: 'base64MimeType',
		type: 'string',
		default: '',
		placeholder: 'application/pdf',
		description: 'The MIME type to store. Empty uses the type of the data URI, else application/octet-stream.',
		displayOptions: showFor('base64'),
	},
];

const PARAMETER = 'the parameter "MIME Type"';

// "data:<type>[;<parameter>…];base64," in front of the bytes, as the web and many APIs give files.
const DATA_URI = /^data:([^,]*?);base64,/i;
// Standard or URL-safe alphabet, padding only at the end (whitespace and line breaks are removed first).
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function fail(ctx: IExecuteFunctions, i: number, message: string, description: string): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), message, { itemIndex: i, description: `${description} Nothing was uploaded.` });
}

/** A parameter given as text: strings as they are, numbers and booleans written out, anything else refused. */
function textParameter(ctx: IExecuteFunctions, i: number, name: string, label: string): string {
	const value = ctx.getNodeParameter(name, i, '') as unknown;
	if (typeof value === 'string') return value;
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	if (value === null || value === undefined) return '';
	throw fail(
		ctx,
		i,
		`"${label}" must be text, not ${Array.isArray(value) ? 'a list' : 'an object'}`,
		`To store JSON, write it out in the expression, e.g. {{ JSON.stringify($json.data) }}.`,
	);
}

function fileNameOf(ctx: IExecuteFunctions, i: number, source: FileSource): string {
	const name = textParameter(ctx, i, 'fileName', 'File Name').trim();
	if (name === '') {
		throw fail(
			ctx,
			i,
			`"File Name" is empty: a file made from ${source === 'text' ? 'text' : 'base64'} needs a name`,
			'Give the name with its extension, e.g. notes.txt; EspoCRM decides by the extension whether the field accepts the file.',
		);
	}
	return name;
}

function base64Bytes(ctx: IExecuteFunctions, i: number, name: string): { bytes: Buffer; dataUriType?: string } {
	let value = textParameter(ctx, i, 'fileContentBase64', 'Base64 Content').trim();
	let dataUriType: string | undefined;
	const dataUri = DATA_URI.exec(value);
	if (dataUri) {
		dataUriType = dataUri[1].trim() || undefined;
		value = value.slice(dataUri[0].length);
	} else if (/^data:/i.test(value)) {
		throw fail(
			ctx,
			i,
			`"Base64 Content" of '${name}' is a data URI without ";base64,"`,
			'Give the bytes base64-encoded, as data:<type>;base64,<bytes> or the base64 alone.',
		);
	}
	const compact = value.replace(/\s+/g, '');
	const unpadded = compact.replace(/=+$/, '');
	const bad = compact.search(/[^A-Za-z0-9+/_=-]/);
	if (bad >= 0 || !BASE64.test(compact) || unpadded.length % 4 === 1 || (compact !== unpadded && compact.length % 4 !== 0)) {
		const at = bad >= 0 ? ` (the character ${JSON.stringify(compact[bad])} at position ${bad + 1} is not base64)` : ' (its length or padding is wrong)';
		throw fail(
			ctx,
			i,
			`"Base64 Content" of '${name}' is not valid base64${at}`,
			'Give the file\'s bytes base64-encoded (A–Z, a–z, 0–9, + and /, padded with =), e.g. from a Code node: Buffer.from(bytes).toString(\'base64\'). To upload text as it is, set "File Source" to Text.',
		);
	}
	return { bytes: Buffer.from(unpadded, 'base64'), dataUriType };
}

/** The file to upload for item `i`, from the source the user chose. */
export async function sourceFile(ctx: IExecuteFunctions, i: number): Promise<{ file: InputFile; fromBinary: boolean }> {
	const source = ctx.getNodeParameter('fileSource', i, 'binary') as FileSource;
	if (source === 'binary') {
		return { file: await inputFile(ctx, i, ctx.getNodeParameter('binaryPropertyName', i) as string), fromBinary: true };
	}
	return { file: parameterFile(ctx, i, source), fromBinary: false };
}

/** A file made from the Text or Base64 parameters. */
function parameterFile(ctx: IExecuteFunctions, i: number, source: FileSource): InputFile {
	const node = ctx.getNode();
	const name = fileNameOf(ctx, i, source);
	if (source === 'text') {
		const text = textParameter(ctx, i, 'fileContent', 'File Content');
		if (text === '') {
			throw fail(ctx, i, `"File Content" of '${name}' is empty`, 'Give the text to store in the file; EspoCRM does not store empty files.');
		}
		const type = cleanMimeType(node, i, textParameter(ctx, i, 'textMimeType', 'MIME Type').trim() || 'text/plain', 'parameter "MIME Type"', PARAMETER);
		return bufferFile(Buffer.from(text, 'utf8'), name, type);
	}
	if (source === 'base64') {
		const { bytes, dataUriType } = base64Bytes(ctx, i, name);
		if (bytes.length === 0) {
			throw fail(ctx, i, `"Base64 Content" of '${name}' is empty`, 'Give the file\'s bytes base64-encoded; EspoCRM does not store empty files.');
		}
		const given = textParameter(ctx, i, 'base64MimeType', 'MIME Type').trim();
		const type = given
			? cleanMimeType(node, i, given, 'parameter "MIME Type"', PARAMETER)
			: cleanMimeType(node, i, dataUriType ?? 'application/octet-stream', 'of the data URI', PARAMETER);
		return bufferFile(bytes, name, type);
	}
	throw fail(ctx, i, `The file source "${String(source)}" is not supported`, 'Choose Binary Field, Text or Base64 in "File Source".');
}
