// n8n processes for the queue run: one main (`n8n start`), workers (`n8n worker`), or one
// single-process instance, each with its own user folder holding the package in `.n8n/nodes` and the
// same encryption key. Environment and pitfalls: "Queue mode, observed" in
// /work/shared/reference/n8n-runtime.md.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { installLikeCommunityNodes } from '../e2e/package.mjs';
import { onStop } from './cleanup.mjs';
import { assertPortFree } from './services.mjs';

export const ENCRYPTION_KEY = 'n8n-nodes-espocrm-attachments-queue-test';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stalled-job detection, shortened so that a killed worker's execution is failed in about half a
 * minute instead of ≈2 minutes (n8n's defaults: 60000 / 10000 / 30000 ms).
 */
export const WORKER_LOCK_ENV = { QUEUE_WORKER_LOCK_DURATION: '10000', QUEUE_WORKER_LOCK_RENEW_TIME: '2000', QUEUE_WORKER_STALLED_INTERVAL: '5000' };

/** The environment every process of one deployment shares. */
export function sharedEnv(install, { redis, postgres, binaryDataMode }) {
	const env = {
		...process.env,
		PATH: `${dirname(install.node.bin)}:${process.env.PATH}`,
		N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_SECURE_COOKIE: 'false',
		N8N_LOG_LEVEL: 'info', // "Worker started/finished execution" lines
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		N8N_HOST: '127.0.0.1',
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
		// The task runner's grant token lives 30 s by default; on a busy machine the runner starts later.
		N8N_RUNNERS_GRANT_TOKEN_TTL: '300',
	};
	for (const key of Object.keys(env)) if (/^npm_config_/i.test(key) || key === 'N8N_DEFAULT_BINARY_DATA_MODE') delete env[key];
	if (binaryDataMode) env.N8N_DEFAULT_BINARY_DATA_MODE = binaryDataMode;
	if (redis) {
		Object.assign(env, { EXECUTIONS_MODE: 'queue', QUEUE_BULL_REDIS_HOST: '127.0.0.1', QUEUE_BULL_REDIS_PORT: String(redis.port), ...WORKER_LOCK_ENV });
	} else {
		env.EXECUTIONS_MODE = 'regular';
	}
	if (postgres) {
		Object.assign(env, {
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(postgres.port),
			DB_POSTGRESDB_DATABASE: postgres.database,
			DB_POSTGRESDB_USER: postgres.user,
			DB_POSTGRESDB_PASSWORD: postgres.password,
		});
	}
	return env;
}

export class N8nProcess {
	/**
	 * @param role 'main' | 'worker' | 'single'
	 * @param ports `{ http, broker }` (main/single: N8N_PORT; worker: its health server)
	 */
	constructor({ name, role, install, env, userFolder, ports, concurrency }) {
		Object.assign(this, { name, role, install, userFolder, ports, concurrency });
		this.env = { ...env, N8N_USER_FOLDER: userFolder, N8N_RUNNERS_BROKER_PORT: String(ports.broker) };
		if (role === 'worker') Object.assign(this.env, { QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(ports.http) });
		else this.env.N8N_PORT = String(ports.http);
		this.baseUrl = `http://127.0.0.1:${ports.http}`;
		this.output = '';
		this.commands = [];
		mkdirSync(userFolder, { recursive: true });
	}

	/** The packed package, installed into this process's own `.n8n/nodes` (nothing copies it across). */
	async installPackage(tarball) {
		this.package = await installLikeCommunityNodes(tarball, this.userFolder);
		return this.package;
	}

	/** `n8n <args>` with this process's environment (import, publish); resolves with code and output. */
	async cli(args, { timeoutMs = 180_000 } = {}) {
		return await new Promise((resolve, reject) => {
			const child = spawn(this.install.node.bin, [this.install.cli, ...args], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
			let output = '';
			child.stdout.on('data', (chunk) => (output += chunk));
			child.stderr.on('data', (chunk) => (output += chunk));
			const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
			child.on('error', reject);
			child.on('close', (code) => {
				clearTimeout(timer);
				this.commands.push(`$ n8n ${args.join(' ')} (exit ${code})\n${output}`);
				resolve({ code, output });
			});
		});
	}

	async importJson(kind, name, value) {
		const file = join(this.userFolder, `${name}.json`);
		writeFileSync(file, JSON.stringify(value, null, 2));
		const result = await this.cli([`import:${kind}`, `--input=${file}`]);
		if (result.code !== 0) throw new Error(`n8n import:${kind} failed:\n${result.output.slice(-1500)}`);
		return result;
	}

	/** Starts `n8n start` / `n8n worker`; resolves once `/healthz/readiness` answers 200. */
	async start({ timeoutMs = 600_000 } = {}) {
		const args = this.role === 'worker' ? ['worker', `--concurrency=${this.concurrency}`] : ['start'];
		await assertPortFree(this.ports.http, this.name);
		await assertPortFree(this.ports.broker, this.name);
		const started = Date.now();
		this.child = spawn(this.install.node.bin, [this.install.cli, ...args], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
		this.pid = this.child.pid;
		this.child.stdout.on('data', (chunk) => (this.output += chunk));
		this.child.stderr.on('data', (chunk) => (this.output += chunk));
		this.exited = new Promise((resolve) => this.child.once('close', (code, signal) => resolve({ code, signal })));
		this.unregister = onStop(this.name, () => this.stop());
		for (;;) {
			if (this.child.exitCode !== null) throw new Error(`${this.name} exited with ${this.child.exitCode} before it was ready:\n${this.output.slice(-2500)}`);
			if (Date.now() - started > timeoutMs) throw new Error(`${this.name} was not ready after ${timeoutMs / 1000} s:\n${this.output.slice(-2500)}`);
			const ready = await fetch(`${this.baseUrl}/healthz/readiness`).then((r) => r.ok, () => false);
			if (ready) break;
			await sleep(300);
		}
		this.readySeconds = (Date.now() - started) / 1000;
		return this.readySeconds;
	}

	/**
	 * Waits until every webhook is registered. `/healthz/readiness` is 200 before n8n 2.x's publication
	 * service has activated the published workflows, so each path is probed with the other method:
	 * n8n then answers "not registered for GET requests. Did you mean to make a POST request?".
	 */
	async waitForWebhooks(webhooks, timeoutMs = 180_000) {
		const started = Date.now();
		for (const { path, method } of webhooks) {
			const probe = method === 'GET' ? 'POST' : 'GET';
			for (;;) {
				const text = await fetch(`${this.baseUrl}/webhook/${path}`, { method: probe }).then((r) => r.text(), (error) => String(error));
				if (/Did you mean to make a/i.test(text)) break;
				if (Date.now() - started > timeoutMs) throw new Error(`webhook ${method} ${path} not registered after ${timeoutMs / 1000} s: ${text.slice(0, 200)}`);
				await sleep(500);
			}
		}
		return (Date.now() - started) / 1000;
	}

	get running() {
		return Boolean(this.child) && this.child.exitCode === null && this.child.signalCode === null;
	}

	/** SIGTERM (n8n's graceful shutdown), SIGKILL after 30 s. */
	async stop() {
		if (!this.child) return;
		if (this.running) {
			this.child.kill('SIGTERM');
			const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
			await this.exited;
			clearTimeout(timer);
		}
		this.unregister?.();
	}

	/** SIGKILL: the process dies at once, as in an OOM kill or a lost machine. */
	async kill() {
		this.child.kill('SIGKILL');
		await this.exited;
		this.unregister?.();
	}

	/** `VmRSS` and `VmHWM` (peak since the last resetPeak) in MiB, from /proc/<pid>/status. */
	memory() {
		const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
		const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
		return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
	}

	/** Resets the kernel's peak-RSS mark (`echo 5 > /proc/<pid>/clear_refs`). */
	resetPeak() {
		writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
	}

	/** Execution ids from this worker's "Worker started/finished execution <id>" log lines (scaling, job-processor.js). */
	executions(kind = 'finished') {
		return [...this.output.matchAll(new RegExp(`Worker ${kind} execution (\\d+)`, 'g'))].map((m) => Number(m[1]));
	}

	log() {
		return [...this.commands, `$ n8n ${this.role === 'worker' ? 'worker' : 'start'}\n${this.output}`].join('\n\n');
	}
}

/** Which worker ran each execution id (from the workers' logs). */
export function workerOf(workers, executionId, kind = 'finished') {
	return workers.find((worker) => worker.executions(kind).includes(Number(executionId)));
}
