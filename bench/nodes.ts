// n8n nodes used only by the benchmark: a start node that puts the input into n8n's binary storage
// by streaming, and "the naive way" of talking to EspoCRM as generic nodes do it (the whole file as
// one base64 string in one JSON POST; a download buffered whole and then stored; one read and one
// write per appended file).
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';

import type { IBinaryData, IDataObject, IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

import { apiRootOf, type EspoCredentialData } from '../credentials/espoCrmSigning';

const CREDENTIAL = 'espoCrmApi';

function describe(name: string, displayName: string, start = false): INodeTypeDescription {
	return {
		displayName,
		name,
		group: start ? ['trigger'] : ['transform'],
		version: 1,
		description: `Benchmark: ${displayName}`,
		defaults: { name: displayName },
		inputs: start ? [] : ['main'],
		outputs: ['main'],
		...(start ? {} : { credentials: [{ name: CREDENTIAL, required: true }] }),
		properties: [{ displayName: 'Job', name: 'job', type: 'json', default: '{}' }],
	} as unknown as INodeTypeDescription;
}

function jobOf<T>(ctx: IExecuteFunctions): T {
	const job = ctx.getNodeParameter('job', 0) as unknown;
	return (typeof job === 'string' ? JSON.parse(job) : job) as T;
}

export type SourceJob =
	| { mode: 'file'; path: string; fileName: string; mimeType: string }
	| { mode: 'stored'; binary: IBinaryData }
	| { mode: 'ids'; ids: string[] }
	| { mode: 'batch'; caseIds: string[]; count: number; bytes: number };

/**
 * The start node: the input file streamed into binary storage (never a whole-file Buffer), a file
 * already in binary storage (staged by another process), ids, or many small files.
 */
export class BenchSource implements INodeType {
	description = describe('source', 'Bench Source', true);

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const job = jobOf<SourceJob>(this);
		if (job.mode === 'ids') return [job.ids.map((id) => ({ json: { id } }))];
		if (job.mode === 'stored') return [[{ json: {}, binary: { data: job.binary } }]];
		if (job.mode === 'file') {
			const data = await this.helpers.prepareBinaryData(fs.createReadStream(job.path), job.fileName, job.mimeType);
			return [[{ json: {}, binary: { data } }]];
		}
		const items: INodeExecutionData[] = [];
		for (let i = 0; i < job.count; i++) {
			const data = await this.helpers.prepareBinaryData(randomBytes(job.bytes), `file-${i}.bin`, 'application/octet-stream');
			items.push({ json: { caseId: job.caseIds[i % job.caseIds.length] }, binary: { data } });
		}
		return [items];
	}
}

async function apiRoot(ctx: IExecuteFunctions): Promise<string> {
	const credentials = (await ctx.getCredentials(CREDENTIAL)) as unknown as EspoCredentialData;
	return apiRootOf(credentials.baseUrl);
}

async function call<T = IDataObject>(ctx: IExecuteFunctions, options: Parameters<IExecuteFunctions['helpers']['httpRequestWithAuthentication']>[1]): Promise<T> {
	return (await ctx.helpers.httpRequestWithAuthentication.call(ctx, CREDENTIAL, options)) as T;
}

/** The whole file in one JSON POST with a base64 data-URI, as the HTTP Request node would send it. */
async function postWholeFile(ctx: IExecuteFunctions, root: string, i: number): Promise<IDataObject> {
	const binary = ctx.helpers.assertBinaryData(i, 'data');
	const contents = await ctx.helpers.getBinaryDataBuffer(i, 'data');
	const type = binary.mimeType || 'application/octet-stream';
	return await call(ctx, {
		method: 'POST',
		url: `${root}/Attachment`,
		json: true,
		body: {
			name: binary.fileName,
			type,
			size: contents.length,
			role: 'Attachment',
			parentType: 'Case',
			field: 'attachments',
			file: `data:${type};base64,${contents.toString('base64')}`,
		},
	});
}

export class NaiveUpload implements INodeType {
	description = describe('naiveUpload', 'Naive Upload');

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const root = await apiRoot(this);
		const out: INodeExecutionData[] = [];
		for (let i = 0; i < this.getInputData().length; i++) {
			out.push({ json: await postWholeFile(this, root, i), pairedItem: { item: i } });
		}
		return [out];
	}
}

/** The whole body buffered (arraybuffer), then stored, as the HTTP Request node's "File" response does. */
export class NaiveDownload implements INodeType {
	description = describe('naiveDownload', 'Naive Download');

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const root = await apiRoot(this);
		const out: INodeExecutionData[] = [];
		for (const [i, item] of this.getInputData().entries()) {
			const id = item.json.id as string;
			const attachment = await call(this, { method: 'GET', url: `${root}/Attachment/${id}`, json: true });
			const body = await call<Buffer>(this, { method: 'GET', url: `${root}/Attachment/file/${id}`, encoding: 'arraybuffer', json: false });
			const data = await this.helpers.prepareBinaryData(Buffer.from(body), attachment.name as string, attachment.type as string);
			out.push({ json: attachment, binary: { data }, pairedItem: { item: i } });
		}
		return [out];
	}
}

/** One item at a time: upload, read the record, write it back with the union of the ids. */
export class NaiveAppendLoop implements INodeType {
	description = describe('naiveAppendLoop', 'Naive Append Loop');

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const root = await apiRoot(this);
		const out: INodeExecutionData[] = [];
		for (const [i, item] of this.getInputData().entries()) {
			const caseId = item.json.caseId as string;
			const attachment = await postWholeFile(this, root, i);
			const record = await call(this, { method: 'GET', url: `${root}/Case/${caseId}`, json: true });
			const ids = [...((record.attachmentsIds as string[] | undefined) ?? []), attachment.id as string];
			await call(this, { method: 'PUT', url: `${root}/Case/${caseId}`, json: true, body: { attachmentsIds: ids } });
			out.push({ json: attachment, pairedItem: { item: i } });
		}
		return [out];
	}
}

export const BENCH_NODES: Record<string, INodeType> = {
	'bench.source': new BenchSource(),
	'bench.naiveUpload': new NaiveUpload(),
	'bench.naiveDownload': new NaiveDownload(),
	'bench.naiveAppendLoop': new NaiveAppendLoop(),
};
