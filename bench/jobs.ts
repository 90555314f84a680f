// What the benchmark asks of a measuring child process, and what it answers.
import type { IBinaryData } from 'n8n-workflow';

import type { MemoryWindow } from './memory';

export interface Target {
	/** The emulator's site URL (the credential's Base URL). */
	url: string;
	apiKey: string;
}

/**
 * node: this package's node; naive: whole file / whole body / one item at a time; bare: plain
 * node:http, no n8n; bareInN8n: the same bare client code in a process that has n8n-core loaded (a
 * diagnostic row: what the n8n process itself costs, e.g. garbage collection of its larger heap).
 */
export type Variant = 'node' | 'naive' | 'bare' | 'bareInN8n';

/**
 * A small run of the same kind before the measured one (a tiny file to upload in tiny chunks, a tiny
 * attachment to download), so one-time costs of a cold process (lazy modules, JIT, the expression
 * compiler, the first connection) are not charged to the file: n8n is a long-running server.
 */
export interface WarmUp {
	file: string;
	attachmentId: string;
}

export type Job =
	/** `staged`: the same file already in n8n's binary storage (for the n8n variants). */
	| { kind: 'upload'; variant: Variant; target: Target; file: string; fileName: string; mimeType: string; staged?: IBinaryData; warmUp?: WarmUp }
	| { kind: 'stage'; file: string; fileName: string; mimeType: string }
	| { kind: 'download'; variant: Variant; target: Target; attachmentId: string; workDir: string; warmUp?: WarmUp }
	| { kind: 'batch'; variant: 'node' | 'naive'; target: Target; caseIds: string[]; count: number; bytes: number };

export interface Measurement {
	/** Wall time of the measured step only (the EspoCRM node, or the bare client's requests). */
	seconds: number;
	/**
	 * CPU time (user + system, all threads but the memory sampler's) this process spent in that
	 * window: steadier than wall time on a busy machine.
	 */
	cpuSeconds?: number;
	memory: MemoryWindow;
	/** Upload: the new attachment. */
	attachmentId?: string;
	/** Download: what was stored, to check against the emulator. */
	bytes?: number;
	sha256?: string;
	items?: number;
	/** The window's start and end (epoch ms), to lay the emulator's request log against it. */
	windowEpochMs?: [number, number];
}

export type ChildAnswer = { ok: true; measurement: Measurement } | { ok: true; staged: IBinaryData } | { ok: false; error: string };

/** The process's CPU seconds (user + system) since `since`. */
export function cpuTime(since: NodeJS.CpuUsage): number {
	const used = process.cpuUsage(since);
	return (used.user + used.system) / 1e6;
}
