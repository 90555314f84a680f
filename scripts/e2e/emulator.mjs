// The EspoCRM emulator as its own process (`tsx test/emulator/cli.ts`), and its `/__emulator`
// control surface: what EspoCRM stored, independent of what n8n reports.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export async function startEmulatorProcess(repoDir) {
	const child = spawn(process.execPath, [join(repoDir, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(repoDir, 'test', 'emulator', 'cli.ts'), '--port', '0'], {
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
	const control = async (path) => {
		const response = await fetch(`${url}/__emulator/${path}`);
		if (!response.ok) throw new Error(`GET /__emulator/${path}: HTTP ${response.status} ${await response.text()}`);
		return await response.json();
	};
	return {
		url,
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
