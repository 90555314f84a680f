// Test files and the HTTP clients that post them to n8n's webhooks.
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';

export const KiB = 1024;
export const MiB = 1024 * 1024;

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** `count` files from `minBytes` to `maxBytes`, sizes spaced evenly on a log scale, random bytes. */
export function fileSet(prefix, count, minBytes, maxBytes, extension = 'pdf', mimeType = 'application/pdf') {
	return Array.from({ length: count }, (_, i) => {
		const size = count === 1 ? minBytes : Math.round(minBytes * (maxBytes / minBytes) ** (i / (count - 1)));
		const data = randomBytes(size);
		return { fileName: `${prefix}-${String(i + 1).padStart(2, '0')}.${extension}`, mimeType, data, size, sha256: sha256(data) };
	});
}

/**
 * One HTTP request on a connection of its own (no keep-alive: a reused connection that the server
 * closes just as a POST starts fails with EPIPE before n8n sees anything, which is the client's race,
 * not n8n's). Resolves with status, headers and body bytes; status 0 and the error text when no answer came.
 */
function request(url, { method = 'GET', headers = {}, body } = {}) {
	const started = Date.now();
	return new Promise((resolve) => {
		const req = httpRequest(url, { method, headers: { ...headers, Connection: 'close', ...(body ? { 'Content-Length': body.length } : {}) }, agent: false }, (res) => {
			const parts = [];
			res.on('data', (chunk) => parts.push(chunk));
			res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, bytes: Buffer.concat(parts), ms: Date.now() - started }));
			res.on('error', (error) => resolve({ status: 0, headers: {}, bytes: Buffer.from(String(error.message)), ms: Date.now() - started }));
		});
		req.setTimeout(600_000, () => req.destroy(new Error('no answer within 600 s')));
		req.on('error', (error) => resolve({ status: 0, headers: {}, bytes: Buffer.from(String(error.message)), ms: Date.now() - started }));
		req.end(body);
	});
}

/** A multipart POST (fields + files); the answer's status, parsed JSON (when it is JSON) and duration. */
export async function postForm(url, { fields = {}, files = {} } = {}) {
	const boundary = `----queue-run-${randomBytes(12).toString('hex')}`;
	const parts = [];
	for (const [name, value] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
	for (const [name, file] of Object.entries(files)) {
		parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${file.fileName}"\r\nContent-Type: ${file.mimeType}\r\n\r\n`), file.data, Buffer.from('\r\n'));
	}
	parts.push(Buffer.from(`--${boundary}--\r\n`));
	const answer = await request(url, { method: 'POST', headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` }, body: Buffer.concat(parts) });
	const text = answer.bytes.toString('utf8');
	let json;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: answer.status, json, text, ms: answer.ms };
}

/** A GET whose answer body is kept as bytes. */
export async function getBytes(url) {
	return await request(url);
}

/** Runs `tasks` (functions returning promises) with `clients` of them in flight at a time; results in task order. */
export async function withClients(clients, tasks) {
	const results = new Array(tasks.length);
	let next = 0;
	const started = Date.now();
	await Promise.all(
		Array.from({ length: Math.min(clients, tasks.length) }, async () => {
			while (next < tasks.length) {
				const index = next++;
				results[index] = await tasks[index]();
			}
		}),
	);
	return { results, seconds: (Date.now() - started) / 1000 };
}

/** An EspoCRM API call with the API key user (to prepare records the cases write to). */
export async function espoApi(emulator, method, path, body) {
	const response = await fetch(`${emulator.url}/api/v1/${path}`, {
		method,
		headers: { 'X-Api-Key': emulator.users.apiUser.apiKey, 'Content-Type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${response.headers.get('x-status-reason') ?? ''} ${text.slice(0, 300)}`);
	return text ? JSON.parse(text) : undefined;
}

/** A record of `entityType` that already holds one file in `attachments` (so "none unlinked" covers it). */
export async function recordWithOneFile(emulator, entityType, fields) {
	const bytes = randomBytes(2 * KiB);
	const attachment = await espoApi(emulator, 'POST', 'Attachment', {
		name: 'already-there.txt',
		type: 'text/plain',
		role: 'Attachment',
		parentType: entityType,
		field: 'attachments',
		file: `data:text/plain;base64,${bytes.toString('base64')}`,
	});
	const record = await espoApi(emulator, 'POST', entityType, { ...fields, attachmentsIds: [attachment.id] });
	return { id: record.id, existingId: attachment.id };
}
