// Shared set-up for the node's workflow tests: one emulator per test file, the API user's
// credential, and small builders for the node's parameters.
import { createHash } from 'crypto';

import type { INodeParameters } from 'n8n-workflow';

import type { EspoCredentialData } from '../../credentials/espoCrmSigning';
import { startEmulator, type Emulator, type EmulatorOptions, type RequestLogEntry } from '../emulator';
import type { BinaryMode, InputItem } from '../harness';

export const BINARY_MODES: BinaryMode[] = ['default', 'filesystem'];

export function sha256(data: Buffer): string {
	return createHash('sha256').update(data).digest('hex');
}

export function apiKeyCredential(emulator: Emulator, user: { apiKey?: string } = emulator.users.apiUser): EspoCredentialData {
	return { baseUrl: emulator.url, authMethod: 'apiKey', apiKey: user.apiKey };
}

export function rl(value: string, mode: 'id' | 'url' | 'list' = 'id'): INodeParameters[string] {
	return { __rl: true, mode, value };
}

export function fileItem(name: string, contents: string | Buffer, mimeType: string, json = {}): InputItem {
	return { json, binary: { data: { data: Buffer.isBuffer(contents) ? contents : Buffer.from(contents), fileName: name, mimeType } } };
}

/** A fresh emulator for each test file; closed after it. */
export function useEmulator(options: EmulatorOptions = {}): () => Emulator {
	let emulator: Emulator | undefined;
	beforeAll(async () => {
		emulator = await startEmulator(options);
	});
	afterAll(async () => {
		await emulator?.close();
	});
	return () => {
		if (!emulator) throw new Error('emulator not started');
		return emulator;
	};
}

/** The ids currently in a record's Attachment-Multiple field, as EspoCRM holds them. */
export function idsOn(emulator: Emulator, entityType: string, id: string, field = 'attachments'): string[] {
	const record = emulator.state.record(entityType, id);
	return ((record?.[`${field}Ids`] as string[] | undefined) ?? []).slice();
}

/** Attachments that are neither linked to a record nor deleted, created after `since` ids. */
export function orphans(emulator: Emulator, before: Set<string>): string[] {
	return emulator.state
		.attachments()
		.filter((a) => !before.has(a.id) && !a.deleted && !a.parentId && !a.relatedId)
		.map((a) => a.id);
}

export function attachmentIds(emulator: Emulator): Set<string> {
	return new Set(emulator.state.attachments().map((a) => a.id));
}

/** The most requests the emulator was handling at one moment (a request ending at t does not overlap one starting at t). */
export function maxInFlight(entries: RequestLogEntry[]): number {
	const events = entries.flatMap((e) => [
		{ at: e.startedAt, delta: 1 },
		{ at: e.startedAt + e.durationMs, delta: -1 },
	]);
	events.sort((a, b) => a.at - b.at || a.delta - b.delta);
	let current = 0;
	let max = 0;
	for (const { delta } of events) {
		current += delta;
		max = Math.max(max, current);
	}
	return max;
}
