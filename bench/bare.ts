// The bare protocol limit, in a fresh process with no n8n loaded: the same HTTP requests the node
// makes, from plain node:http (variant `bareInN8n`: the same code with n8n-core loaded beside it).
// Upload: App/user and Metadata, create with isBeingUploaded, then each chunk (same size, same
// JSON-string data-URI body) one after another. Download: the attachment record, then the file
// streamed straight to disk.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

import { cpuTime, type ChildAnswer, type Job, type Measurement } from './jobs';
import { memorySampler } from './memory';
import { windowProfiler } from './profile';
import { windowDiagnostics } from './threads';

const MiB = 1024 * 1024;
const WINDOW = 48 * 1024;
let harnessDir: string | undefined;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

interface Client {
	json<T = Record<string, unknown>>(method: string, resource: string, body?: unknown): Promise<T>;
	post(resource: string, parts: Array<Buffer | string>): Promise<void>;
	stream(resource: string): Promise<http.IncomingMessage>;
}

function client(url: string, apiKey: string): Client {
	const root = `${url.replace(/\/+$/, '')}/api/v1/`;
	const open = (method: string, resource: string, headers: Record<string, string | number>) =>
		http.request(new URL(resource, root), { method, agent, headers: { 'X-Api-Key': apiKey, Accept: 'application/json', ...headers } });
	const answer = (req: http.ClientRequest) =>
		new Promise<http.IncomingMessage>((resolve, reject) => {
			req.on('response', resolve);
			req.on('error', reject);
		});
	const text = async (res: http.IncomingMessage, what: string): Promise<string> => {
		const parts: Buffer[] = [];
		for await (const part of res) parts.push(part as Buffer);
		const body = Buffer.concat(parts).toString('utf8');
		if ((res.statusCode ?? 0) >= 300) throw new Error(`${what}: ${res.statusCode} ${res.headers['x-status-reason'] ?? ''}`);
		return body;
	};
	return {
		async json(method, resource, body) {
			const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
			const req = open(method, resource, payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {});
			const response = answer(req);
			req.end(payload);
			const result = await text(await response, `${method} ${resource}`);
			return (result ? JSON.parse(result) : undefined) as never;
		},
		async post(resource, parts) {
			const length = parts.reduce((sum, part) => sum + (typeof part === 'string' ? part.length : part.length), 0);
			const req = open('POST', resource, { 'Content-Type': 'application/json', 'Content-Length': length });
			const response = answer(req);
			for (const part of parts) req.write(part, 'latin1');
			req.end();
			await text(await response, `POST ${resource}`);
		},
		async stream(resource) {
			const req = open('GET', resource, {});
			const response = answer(req);
			req.end();
			const res = await response;
			if ((res.statusCode ?? 0) >= 300) await text(res, `GET ${resource}`);
			return res;
		},
	};
}

async function upload(api: Client, job: Extract<Job, { kind: 'upload' }>): Promise<string> {
	const app = await api.json<{ settings: { attachmentUploadChunkSize?: number } }>('GET', 'App/user');
	await api.json('GET', 'Metadata?key=entityDefs.Case.fields');
	const chunkSize = Math.floor(Number(app.settings.attachmentUploadChunkSize ?? 0) * MiB);
	const size = fs.statSync(job.file).size;
	if (!(chunkSize > 0 && size > chunkSize)) throw new Error('the bare client measures chunked uploads only');
	const created = await api.json<{ id: string }>('POST', 'Attachment', {
		name: job.fileName, type: job.mimeType, size, role: 'Attachment', parentType: 'Case', field: 'attachments', isBeingUploaded: true,
	});
	// The cheapest way Node offers: one read buffer and one body buffer for the whole file; each chunk
	// base64-encoded in 48 KiB windows (a multiple of 3, so the pieces join) straight into the body.
	const prefix = `"data:${job.mimeType};base64,`;
	const buffer = Buffer.allocUnsafe(chunkSize);
	const body = Buffer.allocUnsafe(prefix.length + 4 * Math.ceil(chunkSize / 3) + 1);
	body.write(prefix, 0, 'latin1');
	const fd = fs.openSync(job.file, 'r');
	try {
		for (let position = 0; position < size; position += chunkSize) {
			const read = fs.readSync(fd, buffer, 0, Math.min(chunkSize, size - position), position);
			let end = prefix.length;
			for (let at = 0; at < read; at += WINDOW) end += body.write(buffer.toString('base64', at, Math.min(at + WINDOW, read)), end, 'latin1');
			body[end] = 0x22; // the closing quote of the JSON string
			await api.post(`Attachment/chunk/${created.id}`, [body.subarray(0, end + 1)]);
		}
	} finally {
		fs.closeSync(fd);
	}
	return created.id;
}

async function download(api: Client, job: Extract<Job, { kind: 'download' }>, out: string): Promise<void> {
	const attachment = await api.json<{ size: number }>('GET', `Attachment/${job.attachmentId}`);
	await pipeline(await api.stream(`Attachment/file/${job.attachmentId}`), fs.createWriteStream(out));
	const stored = fs.statSync(out).size;
	if (stored !== attachment.size) throw new Error(`downloaded ${stored} bytes, EspoCRM records ${attachment.size}`);
}

async function digest(file: string): Promise<{ bytes: number; sha256: string }> {
	const hash = createHash('sha256');
	await pipeline(fs.createReadStream(file), hash);
	return { bytes: fs.statSync(file).size, sha256: hash.digest('hex') };
}

async function measure(job: Job): Promise<Measurement> {
	if (job.kind === 'batch' || job.kind === 'stage') throw new Error(`the bare client has no ${job.kind} job`);
	const api = client(job.target.url, job.target.apiKey);
	if (job.variant === 'bareInN8n') {
		// The diagnostic row: n8n-core and the package loaded, binary storage ready, as in measure.ts.
		const engine = await import('./workflow');
		harnessDir = engine.HARNESS_DIR;
		await engine.binaryDataService();
	}
	const profiler = await windowProfiler();
	const sampler = await memorySampler();
	const out = job.kind === 'download' ? path.join(job.workDir, `bare-${process.pid}.bin`) : '';
	if (job.warmUp) await api.json('GET', 'App/user'); // the connection and http's code paths, as the n8n variants warm up
	await profiler.start();
	sampler.begin();
	const samplerCpuAtStart = sampler.samplerCpuSeconds();
	const diagnostics = windowDiagnostics(`${job.kind} ${job.variant}`);
	diagnostics.start();
	const cpuAtStart = process.cpuUsage();
	const started = performance.now();
	const windowEpochMs: [number, number] = [Date.now(), 0];
	let attachmentId: string | undefined;
	if (job.kind === 'upload') attachmentId = await upload(api, job);
	else await download(api, job, out);
	const seconds = (performance.now() - started) / 1000;
	windowEpochMs[1] = Date.now();
	diagnostics.stop();
	const cpuSeconds = cpuTime(cpuAtStart) - (sampler.samplerCpuSeconds() - samplerCpuAtStart);
	const memory = sampler.end();
	await profiler.stop();
	await sampler.close();
	if (job.kind === 'upload') return { seconds, cpuSeconds, memory, attachmentId, windowEpochMs };
	try {
		return { seconds, cpuSeconds, memory, windowEpochMs, ...(await digest(out)) };
	} finally {
		fs.rmSync(out, { force: true });
	}
}

const job = JSON.parse(process.argv[2]) as Job;
measure(job).then(
	(measurement): void => finish({ ok: true, measurement }),
	(error: unknown) => finish({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
);

function finish(answer: ChildAnswer): void {
	agent.destroy();
	if (harnessDir) fs.rmSync(harnessDir, { recursive: true, force: true });
	// Run by hand (no IPC channel): print the answer instead.
	if (!process.send) {
		console.log(JSON.stringify(answer, null, 1));
		process.exit(answer.ok ? 0 : 1);
	}
	process.send(answer, undefined, undefined, () => process.exit(0));
}
