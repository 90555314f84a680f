// The EspoCRM emulator in its own process (the CLI, on a free port), and the few calls the
// benchmark makes to it: its control surface (`/__emulator/...`: state, request log, latency) and
// plain API calls to set up records.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import type { Target, WarmUp } from './jobs';

export const REPO_ROOT = path.resolve(__dirname, '..');

export interface EmulatorProcess {
	target: Target;
	pid: number;
	control<T = unknown>(method: string, route: string, body?: unknown): Promise<T>;
	api<T = Record<string, unknown>>(method: string, resource: string, body?: unknown): Promise<T>;
	stop(): Promise<void>;
}

export async function startEmulatorProcess(): Promise<EmulatorProcess> {
	const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'test/emulator/cli.ts', '--port', '0', '--no-seed'], {
		cwd: REPO_ROOT,
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	const target = await new Promise<Target>((resolve, reject) => {
		let output = '';
		const timer = setTimeout(() => reject(new Error(`the emulator did not start:\n${output}`)), 30_000);
		child.once('exit', (code) => reject(new Error(`the emulator exited (${code}):\n${output}`)));
		child.stdout!.on('data', (data: Buffer) => {
			output += data.toString('utf8');
			const url = /listening on (\S+)/.exec(output)?.[1];
			const apiKey = /X-Api-Key: (\S+)/.exec(output)?.[1];
			if (url && apiKey) {
				clearTimeout(timer);
				resolve({ url, apiKey });
			}
		});
	});
	child.removeAllListeners('exit');
	child.stdout!.resume();

	async function request<T>(url: string, method: string, body: unknown, headers: Record<string, string>): Promise<T> {
		const response = await fetch(url, {
			method,
			headers: { ...headers, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await response.text();
		if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${response.headers.get('x-status-reason') ?? ''} ${text.slice(0, 200)}`);
		return (text ? JSON.parse(text) : undefined) as T;
	}

	return {
		target,
		pid: child.pid!,
		control: (method, route, body) => request(`${target.url}/__emulator/${route}`, method, body, {}),
		api: (method, resource, body) => request(`${target.url}/api/v1/${resource}`, method, body, { 'X-Api-Key': target.apiKey }),
		stop: () =>
			new Promise<void>((resolve) => {
				if (child.exitCode !== null) return resolve();
				child.once('exit', () => resolve());
				child.kill('SIGTERM');
			}),
	};
}

/** The warm-up inputs (see WarmUp in jobs.ts): a 64 KiB file in `workDir` to upload, a 64 KiB attachment to download. */
export async function createWarmUp(emu: EmulatorProcess, workDir: string): Promise<WarmUp> {
	const file = path.join(workDir, 'warm-up.bin');
	fs.writeFileSync(file, randomBytes(64 * 1024));
	const attachment = await emu.api<{ id: string }>('POST', 'Attachment', {
		name: 'warm-up.bin', type: 'application/octet-stream', role: 'Attachment', parentType: 'Case', field: 'attachments',
		file: `data:application/octet-stream;base64,${randomBytes(64 * 1024).toString('base64')}`,
	});
	return { file, attachmentId: attachment.id };
}
