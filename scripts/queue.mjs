#!/usr/bin/env node
// `npm run test:queue`: this package in n8n's queue mode (one main + two workers, Redis, PostgreSQL,
// EXECUTIONS_MODE=queue, n8n 2.x's default `database` binary-data mode) against the bundled EspoCRM
// emulator (profiles 8.4 and 9.3). Prints a table of what it checked with the figures.
//
//   node scripts/queue.mjs [--smoke] [--keep] [--redis-port N] [--postgres-port N] [--n8n-ports N]
//   node scripts/queue.mjs --prepare
//
// Debian's redis-server and postgresql are installed when missing; both run as private instances
// of this script on loopback ports (Redis 6390, PostgreSQL 5440) with their own data folders and are
// stopped at the end, also on failure or Ctrl-C. n8n processes use ports 5700-5707 (eight from
// --n8n-ports). The ports can also be set with QUEUE_REDIS_PORT, QUEUE_POSTGRES_PORT and
// QUEUE_N8N_PORTS (so that two runs on one machine, or .ci/run beside a run, do not collide). The
// n8n 2.41.1 install is the e2e's cache (scripts/e2e/runtime.mjs).
//
// --smoke: one main, one worker, five webhook POSTs (what .ci/run runs).
// --scaling: only the worker-scaling measurement (one main; one, then two workers at
//   --scaling-concurrency, 1 by default), for looking at that figure alone.
// --latency MS: the latency the emulator adds to every EspoCRM request (20 by default; e.g. 100 for
//   an EspoCRM across a WAN, where a worker waits more than it computes).
// --keep:  keep the work folder (logs of every n8n process, the result table).
// --prepare: only install what the run needs (n8n into the cache, the Debian packages) and exit;
//   .ci/run does this in the background while the tests run.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { startEmulatorProcess } from './e2e/emulator.mjs';
import { pack } from './e2e/package.mjs';
import { CACHE_DIR, n8nInstall, run } from './e2e/runtime.mjs';
import { appends, bigFile, credentialsOnWorkers, fanOut, noSecretsInLogs, workerKilledMidUpload } from './queue/cases.mjs';
import { onStop, stopAll, stopOnSignals } from './queue/cleanup.mjs';
import { N8nProcess, sharedEnv } from './queue/cluster.mjs';
import { KiB, MiB, fileSet } from './queue/load.mjs';
import { ensureDebianPackages, startPostgres, startRedis } from './queue/services.mjs';
import { createTable } from './queue/table.mjs';
import { allWorkflows, credentials, downloadWorkflow, webhookExample, webhooksOf } from './queue/workflows.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
	options: {
		smoke: { type: 'boolean', default: false },
		keep: { type: 'boolean', default: false },
		prepare: { type: 'boolean', default: false },
		scaling: { type: 'boolean', default: false },
		'scaling-concurrency': { type: 'string', default: '1' },
		latency: { type: 'string', default: '20' },
		'redis-port': { type: 'string', default: process.env.QUEUE_REDIS_PORT ?? '6390' },
		'postgres-port': { type: 'string', default: process.env.QUEUE_POSTGRES_PORT ?? '5440' },
		'n8n-ports': { type: 'string', default: process.env.QUEUE_N8N_PORTS ?? '5700' },
	},
});

function portOption(name) {
	const port = Number(opts[name]);
	if (!Number.isInteger(port) || port < 1024 || port > 65_528) throw new Error(`--${name} ${opts[name]}: give a port number from 1024 to 65528`);
	return port;
}
const n8nPorts = portOption('n8n-ports');
const PORTS = {
	redis: portOption('redis-port'),
	postgres: portOption('postgres-port'),
	main: { http: n8nPorts, broker: n8nPorts + 1 },
	w1: { http: n8nPorts + 2, broker: n8nPorts + 3 },
	w2: { http: n8nPorts + 4, broker: n8nPorts + 5 },
	single: { http: n8nPorts + 6, broker: n8nPorts + 7 },
};
const WORKER_CONCURRENCY = 3;
/** Added to every EspoCRM API request of the fan-outs and appends (--latency, 20 ms by default). */
const LATENCY_MS = Number(opts.latency);
if (!Number.isInteger(LATENCY_MS) || LATENCY_MS < 0 || LATENCY_MS > 5000) throw new Error(`--latency ${opts.latency}: give milliseconds from 0 to 5000`);
/**
 * Worker concurrency of the scaling measurement. At 1 a worker runs one execution at a time, so a
 * second worker adds the most it can: another execution in flight. At 3 (the other cases) one worker
 * already overlaps the waiting of three executions and the run is bound by CPU. With 20 ms per EspoCRM
 * request an execution still computes more than it waits (README, Queue mode: measured figures).
 */
const SCALING_CONCURRENCY = Number(opts['scaling-concurrency']);
if (!Number.isInteger(SCALING_CONCURRENCY) || SCALING_CONCURRENCY < 1) throw new Error(`--scaling-concurrency ${opts['scaling-concurrency']}: give a whole number of 1 or more`);

const log = (line) => console.log(`  ..    ${line}`);
const table = createTable();
const started = Date.now();
const loadAtStart = loadavg();
const timings = [];
async function step(label, fn) {
	const t = Date.now();
	log(`${label}…`);
	try {
		return await fn();
	} finally {
		timings.push(`${label} ${((Date.now() - t) / 1000).toFixed(1)} s`);
	}
}

/** Imports the credentials and workflows with the CLI and publishes them (before n8n starts). */
async function importAll(cli, ctx, workflows, postgres) {
	await cli.importJson('credentials', 'credentials', credentials(ctx));
	await cli.importJson('workflow', 'workflows', workflows);
	const ids = workflows.map((w) => w.id);
	if (postgres) {
		// What `n8n publish:workflow --id=<id>` does (@n8n/db WorkflowRepository.publishVersion: active,
		// activeVersionId = the current versionId), for all workflows in one statement instead of one
		// CLI start (≈5 s) each.
		const list = ids.map((id) => `'${id}'`).join(',');
		await postgres.query(`UPDATE workflow_entity w SET active = true, "activeVersionId" = w."versionId" FROM workflow_history h WHERE h."workflowId" = w.id AND h."versionId" = w."versionId" AND w.id IN (${list})`);
		const published = Number((await postgres.query(`SELECT count(*) FROM workflow_entity WHERE "activeVersionId" IS NOT NULL AND id IN (${list})`))[0][0]);
		if (published !== ids.length) throw new Error(`published ${published} of ${ids.length} workflows`);
	} else {
		for (const id of ids) {
			const result = await cli.cli(['publish:workflow', `--id=${id}`]);
			if (result.code !== 0) throw new Error(`n8n publish:workflow --id=${id} failed:\n${result.output.slice(-1000)}`);
		}
	}
}

/**
 * Worker scaling: the same small files (1..64 KiB: little CPU per file, so waiting dominates) through
 * the webhook example with one worker and then two, each at `--concurrency=${SCALING_CONCURRENCY}`, 20 ms
 * latency on every EspoCRM request; the CPU of every process is measured beside the throughput.
 * `stopFirst`: running workers to stop first (their ports are reused).
 */
async function workerScaling(ctx, { make, stopFirst = [], files }) {
	await step('scaling: stop the other workers', () => Promise.all(stopFirst.filter((w) => w.running).map((w) => w.stop())));
	const s1 = make('s1', 'worker', PORTS.w1, SCALING_CONCURRENCY, 'w1');
	const s2 = make('s2', 'worker', PORTS.w2, SCALING_CONCURRENCY, 'w2');
	ctx.scalingWorkers = [s1, s2];
	await ctx.e84.setLatency(LATENCY_MS);
	ctx.latencyMs = LATENCY_MS;
	const r1 = await step(`scaling: start worker s1 (--concurrency=${SCALING_CONCURRENCY})`, () => s1.start());
	ctx.workers = [s1];
	const one = await step('scaling: fan-out with one worker', () => fanOut(ctx, { label: `scaling, 1 worker at --concurrency=${SCALING_CONCURRENCY}`, files, clients: 6, expectWorkers: 1 }));
	const r2 = await step(`scaling: start worker s2 (--concurrency=${SCALING_CONCURRENCY})`, () => s2.start());
	ctx.workers = [s1, s2];
	const two = await step('scaling: fan-out with two workers', () => fanOut(ctx, { label: `scaling, 2 workers at --concurrency=${SCALING_CONCURRENCY}`, files, clients: 6, expectWorkers: 2 }));
	table.check('setup', `scaling workers s1, s2 ready (--concurrency=${SCALING_CONCURRENCY})`, true, `s1 ${r1.toFixed(1)} s, s2 ${r2.toFixed(1)} s`);
	const ratio = two.filesPerSecond / one.filesPerSecond;
	table.figure(`throughput, 2 workers vs 1, --concurrency=${SCALING_CONCURRENCY} per worker (the scaling case)`,
		`${ratio.toFixed(2)}× (${one.filesPerSecond.toFixed(2)} → ${two.filesPerSecond.toFixed(2)} files/s, ${files.length} files of 1..64 KiB, 6 clients, ${LATENCY_MS} ms latency): ${scalingVerdict(ratio, one, two)}`);
	return { one, two, ratio };
}

/**
 * Why the ratio is what it is, from the measured CPU (100% = one core): how busy the worker was, what
 * one execution cost, how many cores this run and other jobs used, and the ceiling that CPU sets.
 */
function scalingVerdict(ratio, one, two) {
	const { busyCores, cores, othersCores, ourCores } = two.cpu.machine;
	const w1 = one.cpu.share.s1 ?? 0;
	const main2 = two.cpu.share.main ?? 0;
	const ceiling = cores / (two.perExecution.allMs / 1000);
	const facts =
		`One worker: s1 busy ${(w1 * 100).toFixed(0)}% of a core, an execution took ${((1000 * SCALING_CONCURRENCY) / one.filesPerSecond).toFixed(0)} ms end to end ` +
		`(${one.perExecution.waitMs.toFixed(0)} ms of it EspoCRM latency, ${one.perExecution.workerMs.toFixed(0)} ms worker CPU, ${one.perExecution.mainMs.toFixed(0)} ms main CPU; the rest is n8n's hand-off between main, Redis, PostgreSQL and worker, and waiting for a core); ` +
		`this run used ${one.cpu.machine.ourCores.toFixed(2)} cores with one worker and ${ourCores.toFixed(2)} with two, while the machine was ${one.cpu.machine.busyCores.toFixed(2)} and ${busyCores.toFixed(2)} of ${cores} cores busy ` +
		`(other jobs ${one.cpu.machine.othersCores.toFixed(2)} and ${othersCores.toFixed(2)}); all processes of the run need ${two.perExecution.allMs.toFixed(0)} ms CPU per execution, a ceiling of ${ceiling.toFixed(1)} files/s on ${cores} otherwise idle cores`;
	if (ratio >= 1.7) return `close to 2×. A worker at --concurrency=${SCALING_CONCURRENCY} is bound by waiting, not by its CPU, so a second one doubles the executions in flight. ${facts}`;
	const limits = [];
	if (2 * one.cpu.machine.ourCores > cores) {
		limits.push(`one worker's run already used ${one.cpu.machine.ourCores.toFixed(2)} cores, so twice its throughput would need ${(2 * one.cpu.machine.ourCores).toFixed(2)} of the ${cores} (2× one worker, ${(2 * one.filesPerSecond).toFixed(1)} files/s, is above the CPU ceiling of ${ceiling.toFixed(1)})`);
	}
	if (busyCores >= 0.9 * cores) limits.push('the machine\'s cores were all busy, so the second worker mostly took CPU time from the first and from the main');
	if (main2 >= 0.85) limits.push('the main instance (one Node.js thread that takes every webhook, stores its binary data and answers it) was at a full core');
	if (w1 >= 0.85) limits.push('one worker was already CPU-bound, not waiting');
	return `SHORT of 2×. ${limits.length ? `Limit: ${limits.join('; ')}.` : 'No process of the run was at a full core.'} ${facts}`;
}

async function main() {
	stopOnSignals(log);
	const work = mkdtempSync(join(tmpdir(), 'espocrm-n8n-queue-'));
	chmodSync(work, 0o755); // PostgreSQL runs as its own user and must reach its folder inside
	const ctx = { table, workers: [], repo: REPO };
	const processes = [];
	let exitCode = 1;
	try {
		const install = await step('n8n 2.41.1 (cached install)', () => n8nInstall(2, log));
		table.figure('n8n', `${install.version} on Node ${install.node.version} (${install.folder})`);
		const apt = await step('Debian packages redis-server, postgresql', () => ensureDebianPackages(log));
		if (apt.installed.length) table.figure('apt-get install', `${apt.installed.join(', ')} in ${apt.seconds.toFixed(0)} s`);

		await step('npm run build + npm pack', () => run('npm', ['run', 'build'], { cwd: REPO, quiet: true }));
		const tarball = pack(REPO, join(work, 'pack'));

		const [redis, postgres] = await step('Redis and PostgreSQL (private instances)', () =>
			Promise.all([startRedis({ port: PORTS.redis, dir: join(work, 'redis') }), startPostgres({ port: PORTS.postgres, dir: join(work, 'postgres') })]),
		);
		Object.assign(ctx, { postgres, redis });
		table.figure('services', `Redis ${redis.version} on 127.0.0.1:${redis.port}, PostgreSQL ${postgres.version} on 127.0.0.1:${postgres.port}`);

		ctx.e84 = await startEmulatorProcess(REPO, { profile: '8.4' });
		onStop('emulator 8.4', () => ctx.e84.stop());
		if (!opts.smoke) {
			ctx.e93 = await startEmulatorProcess(REPO, { profile: '9.3' });
			onStop('emulator 9.3', () => ctx.e93.stop());
		}

		// ---- queue mode, database binary data (n8n 2.x's default for EXECUTIONS_MODE=queue) ----
		const queueEnv = sharedEnv(install, { redis, postgres });
		const make = (name, role, ports, concurrency = WORKER_CONCURRENCY, folderOf = name) =>
			new N8nProcess({ name, role, install, env: queueEnv, userFolder: join(work, `${folderOf}-user`), ports, concurrency });
		ctx.main = make('main', 'main', PORTS.main);
		const w1 = make('w1', 'worker', PORTS.w1);
		const w2 = opts.smoke ? undefined : make('w2', 'worker', PORTS.w2);
		const cluster = [ctx.main, w1, w2].filter(Boolean);
		processes.push(...cluster);
		await step('the package into every process\'s .n8n/nodes', () => Promise.all(cluster.map((p) => p.installPackage(tarball))));
		table.check('setup', `${basename(tarball)} installed in the nodes folder of ${cluster.map((p) => p.name).join(', ')}`, cluster.every((p) => p.package?.files.length > 0), `${cluster[0].package.files.length} files each`);
		const workflows = opts.smoke || opts.scaling ? [webhookExample(REPO)] : allWorkflows(REPO, { withAppends93: true });
		await step('import credentials and workflows, publish', () => importAll(ctx.main, ctx, workflows, postgres));

		if (opts.scaling) {
			const ready = await step('start main', () => ctx.main.start());
			const hooks = await step('wait for the webhooks', () => ctx.main.waitForWebhooks(webhooksOf(workflows)));
			table.check('setup', 'main ready, EXECUTIONS_MODE=queue, binary data mode database; the webhook registered', true, `main ${ready.toFixed(1)} s, webhook ${hooks.toFixed(1)} s later`);
			ctx.workers = [];
			await workerScaling(ctx, { make, files: fileSet('scaling', 60, 1 * KiB, 64 * KiB) });
			processes.push(...ctx.scalingWorkers);
			noSecretsInLogs(ctx, processes);
			await step('stop', () => Promise.all([ctx.main, ...ctx.scalingWorkers].map((p) => p.stop())));
			exitCode = table.failures() === 0 ? 0 : 1;
			return;
		}
		const ready = await step('start main + worker w1', () => Promise.all([ctx.main.start(), w1.start()]));
		const hooks = await step('wait for the webhooks', () => ctx.main.waitForWebhooks(webhooksOf(workflows)));
		table.check('setup', 'main and worker w1 ready (/healthz/readiness), EXECUTIONS_MODE=queue, binary data mode database; every webhook registered', true,
			`main ${ready[0].toFixed(1)} s, w1 ${ready[1].toFixed(1)} s, webhooks ${hooks.toFixed(1)} s later; worker --concurrency=${WORKER_CONCURRENCY}`);
		ctx.workers = [w1];

		if (opts.smoke) {
			const files = fileSet('smoke', 5, 1 * KiB, 5 * MiB);
			await step('smoke: 5 webhook POSTs', () => fanOut(ctx, { label: 'smoke, 1 worker', files, clients: 5, expectWorkers: 1 }));
		} else {
			// The correctness case: the same 1 KiB..20 MiB files with one worker and with two (sha256 of
			// every stored file). Its throughput, and that of small files at the same --concurrency=3, is
			// bound by CPU (see the CPU rows); the scaling case at the end measures workers at --concurrency=1.
			const files = fileSet('fanout', 60, 1 * KiB, 20 * MiB);
			const small = fileSet('fanout-small', 60, 1 * KiB, 64 * KiB);
			await ctx.e84.setLatency(LATENCY_MS);
			await ctx.e93.setLatency(LATENCY_MS);
			ctx.latencyMs = LATENCY_MS;
			table.figure('emulator latency', `${LATENCY_MS} ms added to every EspoCRM API request (fan-out and appends)`);
			const one = await step('fan-out with one worker', () => fanOut(ctx, { label: '1 worker', files, clients: 6, expectWorkers: 1 }));
			const oneSmall = await step('fan-out with one worker, small files', () => fanOut(ctx, { label: 'small files, 1 worker', files: small, clients: 6, expectWorkers: 1 }));
			const w2Ready = await step('start worker w2', () => w2.start());
			ctx.workers = [w1, w2];
			table.check('setup', 'worker w2 ready', true, `${w2Ready.toFixed(1)} s`);
			const two = await step('fan-out with two workers', () => fanOut(ctx, { label: '2 workers', files, clients: 6, expectWorkers: 2 }));
			const twoSmall = await step('fan-out with two workers, small files', () => fanOut(ctx, { label: 'small files, 2 workers', files: small, clients: 6, expectWorkers: 2 }));
			const ratio = (a, b) => `${(b.filesPerSecond / a.filesPerSecond).toFixed(2)}× (${a.filesPerSecond.toFixed(2)} → ${b.filesPerSecond.toFixed(2)} files/s)`;
			table.figure(`throughput, 2 workers vs 1, --concurrency=${WORKER_CONCURRENCY} per worker`, `1 KiB..20 MiB: ${ratio(one, two)}; 1..64 KiB: ${ratio(oneSmall, twoSmall)}; 6 clients, ${LATENCY_MS} ms latency. ` +
				`One worker at --concurrency=${WORKER_CONCURRENCY} already overlaps the waiting of ${WORKER_CONCURRENCY} executions; what bounds these runs is CPU (see the CPU rows), not the number of workers`);

			for (const profile of ['8.4', '9.3']) {
				await step(`appends, Case ${profile}`, () => appends(ctx, { profile, entityType: 'Case' }));
				await step(`appends, CWorkOrder ${profile}`, () => appends(ctx, { profile, entityType: 'CWorkOrder' }));
				await step(`appends, Note ${profile}`, () => appends(ctx, { profile, entityType: 'Note', measureOnly: true }));
			}
			await step('credentials on workers', () => credentialsOnWorkers(ctx));

			await ctx.e84.setLatency(0);
			ctx.latencyMs = 0;
			const dbMode = await step('64 MiB through database binary data', () => bigFile(ctx, { label: 'queue mode, database binary data', processes: [ctx.main, w1, w2] }));
			await step('worker SIGKILLed mid-upload', () => workerKilledMidUpload(ctx, {}));
			await workerScaling(ctx, { make, stopFirst: [w1, w2], files: fileSet('scaling', 60, 1 * KiB, 64 * KiB) });
			processes.push(...ctx.scalingWorkers);
			noSecretsInLogs(ctx, processes);
			await step('stop the queue-mode processes', () => Promise.all([...cluster, ...ctx.scalingWorkers].map((p) => p.stop())));

			// ---- the same deployment with filesystem binary data (shared folder): the setting that avoids whole files in memory
			const fsEnv = { ...sharedEnv(install, { redis, postgres, binaryDataMode: 'filesystem' }), N8N_BINARY_DATA_STORAGE_PATH: join(work, 'binary-data-shared') };
			const fsMain = new N8nProcess({ name: 'main-fs', role: 'main', install, env: fsEnv, userFolder: ctx.main.userFolder, ports: PORTS.main });
			const fsWorker = new N8nProcess({ name: 'w1-fs', role: 'worker', install, env: fsEnv, userFolder: w1.userFolder, ports: PORTS.w1, concurrency: WORKER_CONCURRENCY });
			processes.push(fsMain, fsWorker);
			await step('start main + one worker, filesystem binary data', () => Promise.all([fsMain.start(), fsWorker.start()]));
			await fsMain.waitForWebhooks(webhooksOf(workflows));
			Object.assign(ctx, { main: fsMain, workers: [fsWorker] });
			const fsMode = await step('64 MiB through filesystem binary data (queue mode)', () => bigFile(ctx, { label: 'queue mode, filesystem binary data', processes: [fsMain, fsWorker] }));
			await step('stop', () => Promise.all([fsMain.stop(), fsWorker.stop()]));

			// ---- baseline: one process (regular mode, SQLite, filesystem binary data)
			const singleEnv = sharedEnv(install, { binaryDataMode: 'filesystem' });
			const single = new N8nProcess({ name: 'single', role: 'single', install, env: singleEnv, userFolder: join(work, 'single-user'), ports: PORTS.single });
			processes.push(single);
			await single.installPackage(tarball);
			const singleWorkflows = [webhookExample(REPO), downloadWorkflow({ espoCrmApi: { id: 'EspoCrmAccount01', name: 'EspoCRM account' } })];
			await step('single process: import, publish', () => importAll(single, ctx, singleWorkflows, undefined));
			await step('start the single process', () => single.start());
			await single.waitForWebhooks(webhooksOf(singleWorkflows));
			Object.assign(ctx, { main: single, workers: [], postgres: undefined });
			const singleMode = await step('64 MiB in one process, filesystem binary data', () => bigFile(ctx, { label: 'single process, filesystem binary data', processes: [single] }));
			await single.stop();
			ctx.postgres = postgres;

			const line = (name, m) => `${name}: ${m.runner} ${m.before.toFixed(0)} → ${m.peak.toFixed(0)} MiB (+${(m.peak - m.before).toFixed(0)})`;
			table.figure('64 MiB upload, peak RSS of the process that ran it', [line('queue+database', dbMode.upload), line('queue+filesystem', fsMode.upload), line('single+filesystem', singleMode.upload)].join('; '));
			table.figure('64 MiB download, peak RSS of the process that ran it', [line('queue+database', dbMode.download), line('queue+filesystem', fsMode.download), line('single+filesystem', singleMode.download)].join('; '));
		}
		if (opts.smoke) noSecretsInLogs(ctx, processes);
		exitCode = table.failures() === 0 ? 0 : 1;
	} catch (error) {
		table.check('run', 'the queue run stopped with an error', false, error.stack ?? String(error));
	} finally {
		await stopAll(log);
		for (const p of processes) writeFileSync(join(work, `${p.name}.log`), p.log());
		const load = (l) => l.map((x) => x.toFixed(1)).join(' / ');
		table.figure('machine', `${cpus().length} cores, load average (1 / 5 / 15 min) ${load(loadAtStart)} at the start, ${load(loadavg())} at the end`);
		table.figure('wall time of the whole run', `${((Date.now() - started) / 1000).toFixed(0)} s (${timings.join(', ')})`);
		table.print(join(work, 'queue-results.md'));
		if (opts.keep) console.log(`Kept ${work} (n8n logs: ${processes.map((p) => `${p.name}.log`).join(', ')}; queue-results.md)`);
		else rmSync(work, { recursive: true, force: true });
		console.log(`${table.failures() === 0 ? 'PASS' : 'FAIL'}: ${table.rows.length - table.failures()}/${table.rows.length} checks passed (${opts.smoke ? 'smoke' : opts.scaling ? 'scaling' : 'full'} run, n8n cache ${CACHE_DIR})`);
		process.exitCode = table.failures() === 0 ? exitCode : 1;
	}
}

async function prepare() {
	const install = await step('n8n 2.41.1 into the cache', () => n8nInstall(2, log));
	const apt = await step('Debian packages redis-server, postgresql', () => ensureDebianPackages(log));
	console.log(`queue run prepared in ${((Date.now() - started) / 1000).toFixed(0)} s: n8n ${install.version} on Node ${install.node.version}${apt.installed.length ? `, installed ${apt.installed.join(', ')}` : ''} (${timings.join(', ')})`);
}

if (opts.prepare) await prepare();
else await main();
