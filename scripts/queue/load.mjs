// Test files and the HTTP clients that post them to n8n's webhooks.
import { createHash, randomBytes } from 'node:crypto';

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

/** A multipart POST (fields + files); the answer's status, parsed JSON (when it is JSON) and duration. */
export async function postForm(url, { fields = {}, files = {} } = {}) {
	const form = new FormData();
	for (const [name, value] of Object.entries(fields)) form.append(name, value);
	for (const [name, file] of Object.entries(files)) form.append(name, new Blob([file.data], { type: file.mimeType }), file.fileName);
	const started = Date.now();
	try {
		const response = await fetch(url, { method: 'POST', body: form, signal: AbortSignal.timeout(600_000) });
		const text = await response.text();
		let json;
		try {
			json = JSON.parse(text);
		} catch {
			json = undefined;
		}
		return { status: response.status, json, text, ms: Date.now() - started };
	} catch (error) {
		return { status: 0, json: undefined, text: String(error.cause?.message ?? error.message), ms: Date.now() - started };
	}
}

/** A GET whose answer body is kept as bytes. */
export async function getBytes(url) {
	const started = Date.now();
	try {
		const response = await fetch(url, { signal: AbortSignal.timeout(600_000) });
		const bytes = Buffer.from(await response.arrayBuffer());
		return { status: response.status, bytes, headers: response.headers, ms: Date.now() - started };
	} catch (error) {
		return { status: 0, bytes: Buffer.alloc(0), text: String(error.cause?.message ?? error.message), ms: Date.now() - started };
	}
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
