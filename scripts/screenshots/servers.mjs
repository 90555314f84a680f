// The processes the screenshots need, each started by this script and stopped by its own PID
// (process group): the EspoCRM emulator (so the node's Entity Type / Field dropdowns load real
// options and "Execute step" really uploads) and a real `n8n start`.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Spawns `command` in its own process group, its output into `logFile` (read back for checks). */
function startProcess(command, args, { cwd, env, logFile }) {
	const fd = openSync(logFile, 'a');
	const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', fd, fd] });
	closeSync(fd);
	const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
	return {
		pid: child.pid,
		child,
		exited,
		output: () => readFileSync(logFile, 'utf8'),
		/** Lets this script exit while the process keeps running (--keep). */
		leaveRunning: () => child.unref(),
		/** SIGTERM to the group this script started, SIGKILL after `graceMs`. */
		async stop(graceMs = 15_000) {
			if (child.exitCode !== null || child.signalCode !== null) return;
			try {
				process.kill(-child.pid, 'SIGTERM');
			} catch {
				return;
			}
			const done = await Promise.race([exited, sleep(graceMs).then(() => undefined)]);
			if (!done) {
				try {
					process.kill(-child.pid, 'SIGKILL');
				} catch {
					/* already gone */
				}
				await exited;
			}
		},
	};
}

async function waitFor(what, condition, timeoutMs, proc) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (proc && proc.child.exitCode !== null) throw new Error(`${what}: the process exited (${proc.child.exitCode}):\n${proc.output().slice(-3000)}`);
		const value = await condition().catch(() => undefined);
		if (value) return value;
		await sleep(500);
	}
	throw new Error(`${what}: not ready after ${timeoutMs / 1000} s${proc ? `:\n${proc.output().slice(-3000)}` : ''}`);
}

/** `tsx test/emulator/cli.ts --port <port>`; resolves with its URL, seed ids and demo users. */
export async function startEmulator({ repoDir, port, workDir }) {
	const proc = startProcess(process.execPath, [join(repoDir, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(repoDir, 'test', 'emulator', 'cli.ts'), '--port', String(port)], {
		cwd: repoDir,
		env: process.env,
		logFile: join(workDir, 'emulator.log'),
	});
	const url = await waitFor('EspoCRM emulator', async () => /listening on (\S+)/.exec(proc.output())?.[1], 60_000, proc);
	const control = async (path) => {
		const response = await fetch(`${url}/__emulator/${path}`);
		if (!response.ok) throw new Error(`GET /__emulator/${path}: HTTP ${response.status}`);
		return await response.json();
	};
	return { ...proc, url, seed: await control('seed'), users: await control('users'), control };
}

/** `n8n start` on 127.0.0.1 with its own user folder; resolves when the REST API answers. */
export async function startN8n({ n8nBin, nodeBin = process.execPath, userFolder, port, brokerPort, workDir, extraEnv = {} }) {
	const env = {
		...process.env,
		N8N_USER_FOLDER: userFolder,
		N8N_PORT: String(port),
		N8N_HOST: '127.0.0.1',
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_PROTOCOL: 'http',
		N8N_EDITOR_BASE_URL: `http://127.0.0.1:${port}`,
		WEBHOOK_URL: `http://127.0.0.1:${port}/`,
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_ENCRYPTION_KEY: 'screenshots-only-not-a-secret',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_SECURE_COOKIE: 'false',
		N8N_LOG_LEVEL: 'info',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		...extraEnv,
	};
	const proc = startProcess(nodeBin, [n8nBin, 'start'], { cwd: userFolder, env, logFile: join(workDir, 'n8n.log') });
	const baseUrl = `http://127.0.0.1:${port}`;
	// /healthz/readiness turns 200 once the database is migrated; /rest/settings answers JSON once
	// the editor's controllers are registered (before that n8n serves a "starting up" page).
	await waitFor('n8n start', async () => (await fetch(`${baseUrl}/healthz/readiness`)).ok, 180_000, proc);
	await waitFor('n8n REST API', async () => {
		const response = await fetch(`${baseUrl}/rest/settings`);
		return response.ok && /json/.test(response.headers.get('content-type') ?? '') && Boolean((await response.json()).data);
	}, 120_000, proc);
	return { ...proc, baseUrl };
}

/** The editor's REST API with the owner's session cookie. */
export class N8nRest {
	constructor(baseUrl) {
		this.baseUrl = baseUrl;
		this.cookie = undefined;
	}

	async request(method, path, body) {
		const response = await fetch(`${this.baseUrl}/rest${path}`, {
			method,
			headers: { 'content-type': 'application/json', ...(this.cookie ? { cookie: `n8n-auth=${this.cookie}` } : {}) },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await response.text();
		if (!response.ok) throw new Error(`${method} /rest${path}: HTTP ${response.status} ${text.slice(0, 500)}`);
		const setCookie = response.headers.getSetCookie?.() ?? [];
		const auth = setCookie.map((c) => /^n8n-auth=([^;]+)/.exec(c)?.[1]).find(Boolean);
		if (auth) this.cookie = auth;
		if (!text) return undefined;
		try {
			return JSON.parse(text).data;
		} catch {
			throw new Error(`${method} /rest${path}: HTTP ${response.status}, not JSON: ${text.slice(0, 300)}`);
		}
	}

	/** Owner setup (first start only), then a login that yields the `n8n-auth` cookie. */
	async ownerAndLogin(owner) {
		await this.request('POST', '/owner/setup', owner);
		await this.request('POST', '/login', { emailOrLdapLoginId: owner.email, password: owner.password });
		if (!this.cookie) throw new Error('POST /rest/login set no n8n-auth cookie');
		return this.cookie;
	}

	createCredential(name, type, data) {
		return this.request('POST', '/credentials', { name, type, data });
	}

	createWorkflow(workflow) {
		return this.request('POST', '/workflows', workflow);
	}
}
