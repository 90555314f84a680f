// The EspoCRM emulator as its own process (`tsx test/emulator/cli.ts`), and its `/__emulator`
// control surface: what EspoCRM stored, independent of what n8n reports.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** `options.profile` ('8.4' default, '9.3'), `options.latencyMs` (added to every API request). */
export async function startEmulatorProcess(repoDir, { profile = '8.4', latencyMs = 0 } = {}) {
	const args = ['--port', '0', '--profile', profile, '--latency-ms', String(latencyMs)];
	const child = spawn(process.execPath, [join(repoDir, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(repoDir, 'test', 'emulator', 'cli.ts'), ...args], {
		cwd: repoDir,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let output = '';
	const url = await new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`The emulator did not start:\n${output}`)), 30_000);
		const onData = (chunk) => {
			output += chunk;
			const match = /listening on (\S+)/.exec(output);
			if (match) {
				clearTimeout(timer);
				resolve(match[1]);
			}
		};
		child.stdout.on('data', onData);
		child.stderr.on('data', onData);
		child.on('close', (code) => reject(new Error(`The emulator exited with ${code}:\n${output}`)));
	});
	const control = async (path, method = 'GET', body = undefined) => {
		const response = await fetch(`${url}/__emulator/${path}`, body === undefined ? { method } : { method, body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
		if (!response.ok) throw new Error(`${method} /__emulator/${path}: HTTP ${response.status} ${await response.text()}`);
		return await response.json();
	};
	return {
		url,
		profile,
		pid: child.pid,
		/** Every attachment row, deleted ones included. */
		attachments: async () => await control('state/attachments'),
		records: async (entityType) => await control(`state/records/${encodeURIComponent(entityType)}`),
		/** The API request log (method, path, status, reqHeaders, startedAt, durationMs) from entry `since` on. */
		log: async (since = 0) => await control(`log?since=${since}`),
		logCount: async () => (await control('log/count')).count,
		setLatency: async (ms) => await control('latency', 'POST', { ms }),
		addFaults: async (rules) => await control('faults', 'POST', { rules }),
		clearFaults: async () => await control('faults', 'DELETE'),
		seed: await control('seed'),
		users: await control('users'),
		/** `{ …row, sha256, fileSize }` of an attachment. */
		attachment: async (id) => await control(`state/attachments/${encodeURIComponent(id)}`),
		record: async (entityType, id) => await control(`state/records/${encodeURIComponent(entityType)}/${encodeURIComponent(id)}`),
		stop: async () => {
			if (child.exitCode !== null) return;
			const closed = new Promise((resolve) => child.once('close', resolve));
			child.kill('SIGTERM');
			await closed;
		},
	};
}
