// Shared by every case of the failure catalogue (issue #6): run the node through the real engine,
// scan what the user could see for secrets, check the error the user reads, and compare what
// EspoCRM holds before and after.
import { createServer } from 'net';

import type { EspoCredentialData } from '../../credentials/espoCrmSigning';
import type { Emulator } from '../emulator';
import { DEMO_ENTITY_TYPES } from '../emulator/users';
import { runNode, type RunNodeOptions, type RunResult } from '../harness';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/**
 * Every form a secret could leak in: raw, base64, and the base64 of its longest 3-byte-aligned
 * prefix (what sits at the start of `X-Hmac-Authorization` = base64("<apiKey>:<signature>")).
 */
export function secretForms(credentials: EspoCredentialData | null | undefined, extra: string[] = []): string[] {
	const raw = [credentials?.apiKey, credentials?.secretKey, credentials?.password, ...extra].filter(
		(value): value is string => typeof value === 'string' && value.length >= 6,
	);
	const forms = new Set<string>();
	for (const secret of raw) {
		forms.add(secret);
		forms.add(b64(secret));
		forms.add(b64(secret.slice(0, Math.floor(secret.length / 3) * 3)).replace(/=+$/, ''));
		forms.add(encodeURIComponent(secret));
	}
	if (credentials?.username && credentials.password) forms.add(b64(`${credentials.username}:${credentials.password}`));
	// Any Espo-Authorization header of this user (password or auth token): base64("<username>:…").
	if (credentials?.username && credentials.username.length >= 3) {
		const head = `${credentials.username}:`;
		forms.add(b64(head.slice(0, Math.floor(head.length / 3) * 3)).replace(/=+$/, ''));
	}
	return [...forms].filter((form) => form.length >= 6);
}

/** JSON of anything, cycles and all, so an error object can be searched as text. */
function textOf(value: unknown): string {
	const seen = new WeakSet<object>();
	try {
		return JSON.stringify(value, (_key, v: unknown) => {
			if (typeof v === 'object' && v !== null) {
				if (seen.has(v)) return '[cycle]';
				seen.add(v);
			}
			if (v instanceof Error) return { ...v, message: v.message, stack: v.stack };
			if (Buffer.isBuffer(v)) return '[buffer]';
			return v;
		}) ?? '';
	} catch {
		return String(value);
	}
}

/**
 * The secret scan every case runs: the error message, its description, its context, the error
 * items' JSON and every log line of the run hold none of the credential's secrets in any form.
 */
export function expectNoSecrets(result: RunResult, credentials: EspoCredentialData | null | undefined, extra: string[] = []): void {
	const places: Array<[string, string]> = [
		['error message', result.error?.message ?? ''],
		['error description', result.error?.description ?? ''],
		['error context', textOf(result.error?.context ?? {})],
		['error as n8n stores it', textOf(result.error?.raw ?? {})],
		['output items', textOf(result.items.map((item) => ({ json: item.json, error: item.error })))],
		['logs', result.logs.join('\n')],
	];
	const forms = secretForms(credentials, extra);
	expect(forms.length).toBeGreaterThan(0);
	const leaks = places.flatMap(([where, text]) => forms.filter((form) => text.includes(form)).map((form) => `${where} contains ${form.slice(0, 4)}…`));
	expect(leaks).toEqual([]);
}

/** runNode, then the secret scan: every case goes through here. */
export async function runCase(options: RunNodeOptions, extraSecrets: string[] = []): Promise<RunResult> {
	const result = await runNode(options);
	expectNoSecrets(result, options.credentials, extraSecrets);
	return result;
}

/** A run that n8n refuses to start (the workflow has issues): the thrown error, scanned the same way. */
export async function runCaseThatThrows(options: RunNodeOptions, extraSecrets: string[] = []): Promise<Error> {
	const thrown = await runNode(options).then(
		() => undefined,
		(error: unknown) => error as Error,
	);
	expect(thrown).toBeInstanceOf(Error);
	expectNoSecrets({ status: 'error', items: [], logs: [], durationMs: 0, error: { message: thrown!.message, raw: thrown } }, options.credentials, extraSecrets);
	return thrown!;
}

export interface ExpectedFailure {
	message: RegExp;
	description: RegExp;
	/** The item the error names (`[item N]`); default 0. */
	item?: number;
}

/** The node stopped with one error that names the cause, gives the fix and names the item. */
export function expectFailure(result: RunResult, expected: ExpectedFailure): void {
	const item = expected.item ?? 0;
	if (process.env.CATALOGUE_PRINT) console.log(`${expect.getState().currentTestName}\n  ${result.error?.message}\n  ${result.error?.description}`);
	expect(result.error).toBeDefined();
	expect(result.items).toEqual([]);
	expect(result.error?.message).toMatch(expected.message);
	expect(result.error?.message).toMatch(new RegExp(`\\[item ${item}\\]$`));
	expect(result.error?.message).not.toMatch(/\n/); // one line
	expect(result.error?.description ?? '').toMatch(expected.description);
	expect(result.error?.itemIndex).toBe(item);
}

/** With "Continue On Fail": the error item the user sees for item `item`. */
export function expectErrorItem(result: RunResult, item: number, expected: Omit<ExpectedFailure, 'item'>): void {
	const errorItem = result.items.find((output) => (output.pairedItem as { item: number } | undefined)?.item === item && output.json.error);
	expect(errorItem).toBeDefined();
	expect(errorItem?.json.error).toMatch(expected.message);
	expect(errorItem?.json.error).toMatch(new RegExp(`\\[item ${item}\\]$`));
	expect(String(errorItem?.json.details ?? '')).toMatch(expected.description);
}

// ---- What EspoCRM holds ------------------------------------------------------------------------

export interface EspoSnapshot {
	attachments: Map<string, unknown>;
	records: Map<string, unknown>;
}

/** Every live attachment (with its stored file's size) and every live record of the demo types. */
export function snapshot(emulator: Emulator): EspoSnapshot {
	const attachments = new Map<string, unknown>();
	for (const row of emulator.state.attachments()) {
		if (row.deleted) continue;
		attachments.set(row.id, { ...row, fileSize: emulator.state.hasFile(row.id) ? emulator.state.fileSize(row.id) : null });
	}
	const records = new Map<string, unknown>();
	for (const entityType of DEMO_ENTITY_TYPES) {
		for (const record of emulator.state.records(entityType)) records.set(`${entityType}:${String(record.id)}`, record);
	}
	return { attachments, records };
}

export interface AllowedChanges {
	/** Attachments that may be new or changed (the test checks them itself). */
	attachments?: string[];
	/** Records (`Entity:id`) that may be new or changed. */
	records?: string[];
}

/** EspoCRM holds exactly what it held in `before`, apart from the changes the test names. */
export function expectUnchanged(emulator: Emulator, before: EspoSnapshot, allowed: AllowedChanges = {}): void {
	const after = snapshot(emulator);
	const compare = (kind: string, was: Map<string, unknown>, now: Map<string, unknown>, skip: string[]) => {
		const differences: string[] = [];
		for (const key of new Set([...was.keys(), ...now.keys()])) {
			if (skip.includes(key)) continue;
			if (!was.has(key)) differences.push(`new ${kind} ${key}`);
			else if (!now.has(key)) differences.push(`${kind} ${key} is gone`);
			else if (JSON.stringify(was.get(key)) !== JSON.stringify(now.get(key))) differences.push(`${kind} ${key} changed`);
		}
		return differences;
	};
	expect([
		...compare('attachment', before.attachments, after.attachments, allowed.attachments ?? []),
		...compare('record', before.records, after.records, allowed.records ?? []),
	]).toEqual([]);
}

/** The attachment ids created since `before` that are still alive. */
export function newLiveAttachments(emulator: Emulator, before: EspoSnapshot): string[] {
	return [...snapshot(emulator).attachments.keys()].filter((id) => !before.attachments.has(id));
}

/** Waits until the emulator has answered a request that matches (the log is written on close). */
export async function waitForRequest(emulator: Emulator, method: string, path: RegExp, timeoutMs = 5000): Promise<void> {
	const started = Date.now();
	while (!emulator.log.some((entry) => entry.method === method && path.test(entry.path))) {
		if (Date.now() - started > timeoutMs) throw new Error(`no ${method} ${path} within ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
}

/** Bytes that EspoCRM's content sniffing (and n8n's) reads as the given type. */
export const CONTENT = {
	png: Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(48, 1)]),
	jpeg: Buffer.concat([Buffer.from('ffd8ffe000104a464946', 'hex'), Buffer.alloc(48, 2)]),
	pdf: Buffer.from('%PDF-1.4\n% a catalogue test\n'),
	text: Buffer.from('plain text of the catalogue\n'),
};

/** A buffer of `size` bytes that is not the same at every position (so a misplaced chunk shows). */
export function patterned(size: number, seed = 1): Buffer {
	const buffer = Buffer.alloc(size);
	for (let i = 0; i < size; i++) buffer[i] = (i * 31 + seed * 7) % 251;
	return buffer;
}

// ---- Fixtures ----------------------------------------------------------------------------------

/** A Case that already holds one file (created by the API user), so a case can prove it stays. */
export function caseWithFile(emulator: Emulator, label: string): { caseId: string; existingId: string } {
	const existing = emulator.state.createAttachment({
		name: `existing ${label}.txt`,
		type: 'text/plain',
		bytes: Buffer.from(`existing file of ${label}\n`),
		field: 'attachments',
		parentType: 'Case',
		createdBy: emulator.users.apiUser.id,
	});
	const caseId = emulator.state.createRecord('Case', { name: `Catalogue ${label}`, attachmentsIds: [existing.id] }).id as string;
	return { caseId, existingId: existing.id };
}

/** A Note that already holds one file (Note has no relationship endpoint and no optimistic concurrency). */
export function noteWithFile(emulator: Emulator, label: string): { noteId: string; existingId: string } {
	const existing = emulator.state.createAttachment({
		name: `existing ${label}.txt`,
		type: 'text/plain',
		bytes: Buffer.from(`existing file of ${label}\n`),
		field: 'attachments',
		parentType: 'Note',
		createdBy: emulator.users.apiUser.id,
	});
	const noteId = emulator.state.createRecord('Note', { type: 'Post', post: `Catalogue ${label}`, attachmentsIds: [existing.id] }).id as string;
	return { noteId, existingId: existing.id };
}

/** A Document with its (required) file, created by the API user. */
export function documentWithFile(emulator: Emulator, label: string): { documentId: string; fileId: string } {
	const file = emulator.state.createAttachment({
		name: `${label}.txt`,
		type: 'text/plain',
		bytes: Buffer.from(`document file of ${label}\n`),
		field: 'file',
		relatedType: 'Document',
		createdBy: emulator.users.apiUser.id,
	});
	const documentId = emulator.state.createRecord('Document', { name: `Catalogue ${label}`, publishDate: '2026-01-01', fileId: file.id }).id as string;
	return { documentId, fileId: file.id };
}

/** A port on 127.0.0.1 that nothing listens on. */
export async function closedPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}
