// One headless n8n instance: its own user folder (SQLite database, encryption key, community
// nodes), driven through the n8n CLI the way /work/shared/reference/n8n-runtime.md describes.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export async function freePort() {
	return await new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

/** Lines n8n writes when a package fails to load (1.x and 2.x wording). */
const LOAD_ERROR = /Failed to load package|Error loading package|Unrecognized node type|Cannot find module/i;

export class N8n {
	/** @param install what runtime.mjs n8nInstall returned */
	constructor(install, userFolder) {
		this.install = install;
		this.userFolder = userFolder;
		this.logs = [];
		this.binaryDataDir = join(userFolder, 'binary-data');
		mkdirSync(userFolder, { recursive: true });
	}

	async env() {
		this.brokerPort ??= await freePort();
		return {
			...process.env,
			PATH: `${join(this.install.node.bin, '..')}:${process.env.PATH}`,
			N8N_USER_FOLDER: this.userFolder,
			N8N_ENCRYPTION_KEY: 'n8n-nodes-espocrm-attachments-e2e',
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_LOG_LEVEL: 'info',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false', // 1.x warns on every command otherwise
			N8N_HOST: '127.0.0.1',
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			// 2.x defaults to <user folder>/.n8n/storage, 1.x to …/binaryData: one place for both.
			N8N_BINARY_DATA_STORAGE_PATH: this.binaryDataDir,
			N8N_RUNNERS_BROKER_PORT: String(this.brokerPort),
			N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
			// n8n 1.x offers community nodes as AI tools only with this (2.x always does).
			N8N_COMMUNITY_PACKAGES_ALLOW_TOOL_USAGE: 'true',
		};
	}

	/** Runs `n8n <args>`; resolves with exit code and output (never rejects on a non-zero exit). */
	async cli(args, { timeoutMs = 120_000 } = {}) {
		const env = await this.env();
		return await new Promise((resolve, reject) => {
			const child = spawn(this.install.node.bin, [this.install.cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
			let stdout = '';
			let stderr = '';
			child.stdout.on('data', (chunk) => (stdout += chunk));
			child.stderr.on('data', (chunk) => (stderr += chunk));
			const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
			child.on('error', reject);
			child.on('close', (code) => {
				clearTimeout(timer);
				this.logs.push(`$ n8n ${args.join(' ')}  (exit ${code})\n${stdout}${stderr}`);
				resolve({ code, stdout, stderr });
			});
		});
	}

	/** Log lines (of every command so far) that say a package or node failed to load. */
	loadErrors() {
		return this.logs.flatMap((log) => log.split('\n')).filter((line) => LOAD_ERROR.test(line));
	}

	async importCredentials(credentials) {
		const file = join(this.userFolder, 'credentials.json');
		writeFileSync(file, JSON.stringify(credentials, null, 2));
		return await this.cli(['import:credentials', `--input=${file}`]);
	}

	async importWorkflow(workflow) {
		const file = join(this.userFolder, `workflow-${workflow.id}.json`);
		writeFileSync(file, JSON.stringify(workflow, null, 2));
		return await this.cli(['import:workflow', `--input=${file}`]);
	}

	/** Every node type description n8n knows (its own, and the community packages it loaded). */
	async nodeTypes() {
		const file = join(this.userFolder, 'node-types.json');
		const { code } = await this.cli(['export:nodes', `--output=${file}`]);
		return code === 0 ? JSON.parse(readFileSync(file, 'utf8')) : [];
	}

	/** `n8n execute --id … --rawOutput`: the exit code and the run (IRun) it printed. */
	async execute(id) {
		const result = await this.cli(['execute', `--id=${id}`, '--rawOutput']);
		return { ...result, run: parseRun(result.stdout) };
	}

	/** The bytes of a binary in an execution's output, in either binary mode. */
	binaryBytes(binary) {
		if (!binary?.id) return Buffer.from(binary?.data ?? '', 'base64');
		const [mode, path] = binary.id.split(':');
		if (!mode.startsWith('filesystem')) throw new Error(`Cannot read binary data stored in mode ${mode}`);
		return readFileSync(join(this.binaryDataDir, path));
	}

	/** `n8n start` in the background; resolves once its HTTP server answers. */
	async start() {
		const port = await freePort();
		const env = { ...(await this.env()), N8N_PORT: String(port) };
		const child = spawn(this.install.node.bin, [this.install.cli, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
		let output = '';
		child.stdout.on('data', (chunk) => (output += chunk));
		child.stderr.on('data', (chunk) => (output += chunk));
		const exited = new Promise((resolve) => child.on('close', resolve));
		const baseUrl = `http://127.0.0.1:${port}`;
		const deadline = Date.now() + 90_000;
		while (Date.now() < deadline && child.exitCode === null) {
			const ok = await fetch(`${baseUrl}/healthz/readiness`).then((r) => r.ok, () => false);
			if (ok) break;
			await new Promise((resolve) => setTimeout(resolve, 500));
		}
		const stop = async () => {
			if (child.exitCode === null) child.kill('SIGTERM');
			await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
			if (child.exitCode === null) child.kill('SIGKILL');
			this.logs.push(`$ n8n start\n${output}`);
		};
		if (child.exitCode !== null) {
			await stop();
			throw new Error(`n8n start exited with ${child.exitCode}:\n${output.slice(-2000)}`);
		}
		return { baseUrl, stop, output: () => output };
	}
}

/**
 * The IRun JSON that `execute --rawOutput` prints (2.x prints log lines before it; on failure more
 * lines follow): from the first line that is exactly `{` to the next line that is exactly `}`.
 */
export function parseRun(stdout) {
	const lines = stdout.split('\n');
	const start = lines.indexOf('{');
	const end = lines.indexOf('}', start);
	if (start === -1 || end === -1) return undefined;
	try {
		return JSON.parse(lines.slice(start, end + 1).join('\n'));
	} catch {
		return undefined;
	}
}

/** The items a node gave in a run (first run, first output). */
export const nodeOutput = (run, name) => run?.data?.resultData?.runData?.[name]?.[0]?.data?.main?.[0] ?? [];

/** The first error of a run, as one line. */
export function runError(run) {
	const resultData = run?.data?.resultData;
	for (const [name, tasks] of Object.entries(resultData?.runData ?? {})) {
		const error = tasks[0]?.error;
		if (error) return `${name}: ${error.message}${error.description ? ` (${error.description})` : ''}`;
	}
	return resultData?.error?.message;
}
