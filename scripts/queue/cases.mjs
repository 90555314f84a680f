// The cases of the queue run. Each one drives n8n through its webhooks and then reads what EspoCRM
// (the emulator's /__emulator state) and n8n (PostgreSQL, the workers' logs) hold afterwards.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { KiB, MiB, espoApi, fileSet, getBytes, postForm, recordWithOneFile, sha256, withClients } from './load.mjs';
import { workerOf } from './cluster.mjs';
import { cpuMeter, describeCpu } from './cpu.mjs';
import { WEBHOOK_EXAMPLE_PATH } from './workflows.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const mib = (n) => `${n.toFixed(0)} MiB`;
const PUBLISH_DATE = '2026-11-29';

// ---- n8n's view: executions in PostgreSQL, workers from their logs -------------------------------
export async function lastExecutionId(postgres) {
	return Number((await postgres.query('SELECT COALESCE(MAX(id), 0) FROM execution_entity'))[0][0]);
}

export async function executionsAfter(postgres, workflowId, afterId) {
	const rows = await postgres.query(`SELECT id, status FROM execution_entity WHERE "workflowId" = '${workflowId}' AND id > ${Number(afterId)} ORDER BY id`);
	return rows.map(([id, status]) => ({ id: Number(id), status }));
}

/** `{ w1: n, w2: m, none: k }`: which worker's log says it finished each execution. */
export function perWorker(workers, executions) {
	const counts = Object.fromEntries(workers.map((worker) => [worker.name, 0]));
	counts.none = 0;
	for (const { id } of executions) counts[workerOf(workers, id)?.name ?? 'none'] += 1;
	return counts;
}

const describeCounts = (counts) => Object.entries(counts).filter(([name, n]) => name !== 'none' || n > 0).map(([name, n]) => `${name} ${n}`).join(', ');

/** The executions of a workflow after `afterId`, once all of them have finished (the worker logs its line after the DB row). */
async function settledExecutions(ctx, workflowId, afterId, expected, timeoutMs = 60_000) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const executions = await executionsAfter(ctx.postgres, workflowId, afterId);
		const done = executions.filter((e) => !['new', 'running', 'waiting'].includes(e.status));
		const logged = done.every((e) => workerOf(ctx.workers, e.id));
		if ((done.length >= expected && logged) || Date.now() > deadline) return executions;
		await sleep(250);
	}
}

// ---- Webhook fan-out (examples/webhook-document.json) -----------------------------------------
/** `files` posted by `clients` concurrent clients to the webhook example; every Document checked. */
export async function fanOut(ctx, { label, files, clients, expectWorkers }) {
	const { table, main, postgres } = ctx;
	const emulator = ctx.e84;
	const caseName = `webhook fan-out, ${label}`;
	const documentsBefore = (await emulator.records('Document')).length;
	const afterId = await lastExecutionId(postgres);
	const url = `${main.baseUrl}/webhook/${WEBHOOK_EXAMPLE_PATH}`;
	const tasks = files.map((file) => () => postForm(url, { fields: { name: file.fileName, publishDate: PUBLISH_DATE }, files: { file } }));
	const meter = cpuMeter(runPids(ctx));
	const logFrom = await emulator.logCount();
	meter.start();
	const { results, seconds } = await withClients(clients, tasks);
	const cpu = meter.stop();
	const requests = (await emulator.logCount()) - logFrom;
	const totalMiB = files.reduce((sum, f) => sum + f.size, 0) / MiB;

	const ok200 = results.filter((r) => r.status === 200 && r.json?.record?.id).length;
	table.check(caseName, `${files.length} multipart POSTs (${fmtSize(files[0].size)}..${fmtSize(files.at(-1).size)}, ${totalMiB.toFixed(1)} MiB) from ${clients} clients answered 200 with a Document`,
		ok200 === files.length, `${ok200}/${files.length}${ok200 < files.length ? `; first failure: HTTP ${results.find((r) => r.status !== 200)?.status} ${results.find((r) => r.status !== 200)?.text.slice(0, 200)}` : ''}`);

	let matching = 0;
	const problems = [];
	for (const [i, file] of files.entries()) {
		const answer = results[i].json;
		if (!answer?.record?.id) continue;
		const document = await emulator.record('Document', answer.record.id);
		const stored = await emulator.attachment(answer.id);
		if (document.fileId === answer.id && stored.sha256 === file.sha256 && stored.fileSize === file.size && document.name === file.fileName) matching += 1;
		else problems.push(`${file.fileName}: fileId ${document.fileId} vs ${answer.id}, sha256 ${stored.sha256?.slice(0, 12)} vs ${file.sha256.slice(0, 12)}`);
	}
	const documentsAfter = (await emulator.records('Document')).length;
	table.check(caseName, 'EspoCRM: one new Document per POST, its File field holds the bytes that were sent (sha256, size, name)',
		matching === files.length && documentsAfter - documentsBefore === files.length,
		`${matching}/${files.length} sha256 match; Documents +${documentsAfter - documentsBefore}${problems.length ? `; ${problems.slice(0, 2).join('; ')}` : ''}`);

	const executions = await settledExecutions(ctx, 'qWebhookDocument', afterId, files.length);
	const counts = perWorker(ctx.workers, executions);
	const succeeded = executions.filter((e) => e.status === 'success').length;
	const ranOn = ctx.workers.filter((w) => counts[w.name] > 0).length;
	table.check(caseName, `n8n: ${files.length} executions, all success, every one finished by a worker (worker logs)${expectWorkers > 1 ? ', both workers ran some' : ''}`,
		executions.length === files.length && succeeded === files.length && counts.none === 0 && ranOn === expectWorkers,
		`${executions.length} executions, ${succeeded} success; per worker: ${describeCounts(counts)}`);
	const filesPerSecond = files.length / seconds;
	const perExecution = perExecutionFigures(cpu, ctx.workers.map((w) => w.name), files.length, requests, ctx.latencyMs ?? 0);
	table.figure(`throughput, ${label}`, `${filesPerSecond.toFixed(2)} files/s, ${(totalMiB / seconds).toFixed(1)} MiB/s (${files.length} files in ${seconds.toFixed(1)} s); ` +
		`per execution: ${perExecution.text}`);
	table.figure(`CPU during the fan-out, ${label}`, describeCpu(cpu));
	return { seconds, filesPerSecond, counts, cpu, requests, perExecution };
}

/** The pids whose CPU the fan-out measures: main, each worker, Redis, PostgreSQL, the 8.4 emulator. */
export function runPids(ctx) {
	return {
		main: ctx.main.pid,
		...Object.fromEntries(ctx.workers.filter((w) => w.running).map((w) => [w.name, w.pid])),
		redis: ctx.redis?.pid,
		postgres: ctx.postgres?.pid,
		emulator: ctx.e84.pid,
	};
}

/**
 * What one execution costs: EspoCRM requests (and the latency they wait for), and CPU milliseconds
 * of the workers, of the main and of every process of the run together.
 */
function perExecutionFigures(cpu, workerNames, executions, requests, latencyMs) {
	const workerMs = (workerNames.reduce((sum, name) => sum + (cpu.cpu[name] ?? 0), 0) * 1000) / executions;
	const mainMs = (cpu.cpu.main * 1000) / executions;
	const allMs = (Object.values(cpu.cpu).reduce((sum, s) => sum + s, 0) * 1000) / executions;
	const perRequests = requests / executions;
	const waitMs = perRequests * latencyMs;
	return {
		workerMs,
		mainMs,
		allMs,
		waitMs,
		requests: perRequests,
		text: `${perRequests.toFixed(1)} EspoCRM requests (${waitMs.toFixed(0)} ms of added latency), CPU ${workerMs.toFixed(0)} ms on the worker, ${mainMs.toFixed(0)} ms on the main, ${allMs.toFixed(0)} ms in all processes of the run`,
	};
}

const fmtSize = (bytes) => (bytes >= MiB ? `${(bytes / MiB).toFixed(bytes % MiB ? 1 : 0)} MiB` : `${Math.round(bytes / KiB)} KiB`);

// ---- Appends from executions on different workers ---------------------------------------------
const APPEND_PATH = { '8.4': 'queue-append-84', '9.3': 'queue-append-93' };
const APPEND_WORKFLOW = { '8.4': 'qAppend84', '9.3': 'qAppend93' };

/** What a record of each type needs besides its files. */
function recordFields(entityType, emulator) {
	if (entityType === 'Note') return { type: 'Post', post: 'queue run: appends from many executions', parentType: 'Case', parentId: emulator.seed.caseId };
	return { name: `queue run: appends to one ${entityType}` };
}

/**
 * `executions` webhook calls at once, each appending two files to the same record. `measureOnly`:
 * the outcome is a figure, not a pass/fail (Note: no relationship endpoint and no versionNumber).
 */
export async function appends(ctx, { profile, entityType, executions = 20, measureOnly = false }) {
	const { table, main, postgres } = ctx;
	const emulator = profile === '9.3' ? ctx.e93 : ctx.e84;
	const caseName = `appends across workers, ${entityType} on EspoCRM ${profile}`;
	const { id, existingId } = await recordWithOneFile(emulator, entityType, recordFields(entityType, emulator));
	const tag = `ap${profile.replace('.', '')}${entityType}`.toLowerCase();
	const batches = Array.from({ length: executions }, (_, i) => fileSet(`${tag}-e${String(i + 1).padStart(2, '0')}`, 2, 1 * KiB, 48 * KiB, 'txt', 'text/plain'));
	const afterId = await lastExecutionId(postgres);
	const url = `${main.baseUrl}/webhook/${APPEND_PATH[profile]}?entityType=${entityType}&id=${id}`;
	const started = Date.now();
	const results = await Promise.all(batches.map(([a, b]) => postForm(url, { files: { file1: a, file2: b } })));
	const seconds = (Date.now() - started) / 1000;

	const sent = batches.flat();
	const rows = (await emulator.attachments()).filter((row) => row.name.startsWith(`${tag}-`));
	const record = await emulator.record(entityType, id);
	const linked = new Set(record.attachmentsIds ?? []);
	const live = rows.filter((row) => !row.deleted);
	const onRecord = live.filter((row) => linked.has(row.id));
	const unlinked = live.filter((row) => !linked.has(row.id));
	const deleted = rows.filter((row) => row.deleted);
	const bytesOk = (await Promise.all(onRecord.map(async (row) => (await emulator.attachment(row.id)).sha256 === sent.find((f) => f.fileName === row.name)?.sha256))).filter(Boolean).length;
	const answered = results.filter((r) => r.status === 200).length;
	const errors = results.filter((r) => r.status !== 200).map((r) => `HTTP ${r.status} ${r.text.slice(0, 160)}`);
	const n8nExecutions = await settledExecutions(ctx, APPEND_WORKFLOW[profile], afterId, executions);
	const counts = perWorker(ctx.workers, n8nExecutions);
	const summary = `${onRecord.length}/${sent.length} files on the record (${bytesOk} sha256 match), existing file ${linked.has(existingId) ? 'kept' : 'LOST'}, ${unlinked.length} unlinked, ${deleted.length} deleted; ` +
		`${answered}/${executions} webhooks 200; executions per worker: ${describeCounts(counts)}; ${seconds.toFixed(1)} s${errors.length ? `; first error: ${errors[0]}` : ''}`;
	if (measureOnly) {
		table.figure(`${caseName} (no relationship endpoint, no versionNumber: measured, not asserted)`, summary);
		return { onRecord: onRecord.length, sent: sent.length, unlinked: unlinked.length, deleted: deleted.length, errors: errors.length };
	}
	const exact = record.attachmentsIds.length === sent.length + 1 && linked.has(existingId) && onRecord.length === sent.length && bytesOk === sent.length && unlinked.length === 0 && deleted.length === 0 && rows.length === sent.length;
	const spread = ctx.workers.filter((w) => counts[w.name] > 0).length;
	table.check(caseName, `${executions} executions at once, 2 files each → all ${sent.length} files + the existing one on the record, none unlinked, none deleted, both workers ran some`,
		exact && answered === executions && spread === ctx.workers.length && counts.none === 0, summary);
	return { onRecord: onRecord.length };
}

// ---- Credentials decrypted and used on a worker -------------------------------------------------
const AUTH_HEADER = { ApiKey: 'x-api-key', Hmac: 'x-hmac-authorization', Password: 'espo-authorization' };
const AUTH_LABEL = { ApiKey: 'API key', Hmac: 'HMAC', Password: 'Username & Password' };

export async function credentialsOnWorkers(ctx) {
	const { table, main, postgres } = ctx;
	const emulator = ctx.e84;
	const { documentFileId } = emulator.seed;
	for (const auth of ['ApiKey', 'Hmac', 'Password']) {
		const caseName = `credentials on workers, ${AUTH_LABEL[auth]}`;
		const afterId = await lastExecutionId(postgres);
		const logFrom = await emulator.logCount();
		const answer = await getBytes(`${main.baseUrl}/webhook/queue-get-${auth.toLowerCase()}?id=${documentFileId}`);
		let json;
		try {
			json = JSON.parse(answer.bytes.toString('utf8'));
		} catch {
			json = undefined;
		}
		const requests = (await emulator.log(logFrom)).filter((entry) => !entry.path.startsWith('/__'));
		const signed = requests.filter((entry) => entry.reqHeaders[AUTH_HEADER[auth]] !== undefined && entry.status === 200);
		const [execution] = await settledExecutions(ctx, `qGet${auth}`, afterId, 1);
		const worker = execution && workerOf(ctx.workers, execution.id);
		table.check(caseName, `a worker decrypted the credential and EspoCRM accepted it (${AUTH_HEADER[auth]})`,
			answer.status === 200 && json?.id === documentFileId && json?.name === 'demo.txt' && signed.length > 0 && execution?.status === 'success' && Boolean(worker),
			`HTTP ${answer.status}, attachment ${json?.name ?? answer.bytes.toString('utf8').slice(0, 120)}; ${signed.length}/${requests.length} EspoCRM requests with ${AUTH_HEADER[auth]}; execution ${execution?.id} ${execution?.status} on ${worker?.name ?? 'no worker'}`);
	}
}

// ---- A big file through the binary-data mode ----------------------------------------------------
/** 64 MiB up through the webhook example, then down through the Download workflow; peak RSS of every process. */
export async function bigFile(ctx, { label, processes, size = 64 * MiB }) {
	const { table, main } = ctx;
	const emulator = ctx.e84;
	const caseName = `big file, ${label}`;
	const [file] = fileSet(`big-${label.replace(/\W+/g, '-')}`, 1, size, size);
	const measure = async (run) => {
		const before = Object.fromEntries(processes.map((p) => [p.name, p.memory().rssMiB]));
		processes.forEach((p) => p.resetPeak());
		const result = await run();
		const peak = Object.fromEntries(processes.map((p) => [p.name, p.memory().peakMiB]));
		return { result, before, peak };
	};
	const executionIdBefore = ctx.postgres ? await lastExecutionId(ctx.postgres) : 0;
	const up = await measure(() => postForm(`${main.baseUrl}/webhook/${WEBHOOK_EXAMPLE_PATH}`, { fields: { name: file.fileName, publishDate: PUBLISH_DATE }, files: { file } }));
	const attachmentId = up.result.json?.id;
	const stored = attachmentId ? await emulator.attachment(attachmentId) : {};
	const upWorker = ctx.postgres ? workerOf(ctx.workers, (await settledExecutions(ctx, 'qWebhookDocument', executionIdBefore, 1))[0]?.id) : main;
	table.check(caseName, `${fmtSize(size)} upload (chunked) through the webhook example: stored byte for byte`,
		up.result.status === 200 && stored.sha256 === file.sha256, `HTTP ${up.result.status} in ${(up.result.ms / 1000).toFixed(1)} s, sha256 ${stored.sha256 === file.sha256 ? 'match' : `MISMATCH ${up.result.text.slice(0, 200)}`}, ran on ${upWorker?.name ?? '?'}`);

	const downIdBefore = ctx.postgres ? await lastExecutionId(ctx.postgres) : 0;
	const down = await measure(() => getBytes(`${main.baseUrl}/webhook/queue-download?id=${attachmentId}`));
	const downWorker = ctx.postgres ? workerOf(ctx.workers, (await settledExecutions(ctx, 'qDownload', downIdBefore, 1))[0]?.id) : main;
	table.check(caseName, `${fmtSize(size)} download back through the webhook: the bytes EspoCRM stored`,
		down.result.status === 200 && sha256(down.result.bytes) === file.sha256,
		`HTTP ${down.result.status} in ${(down.result.ms / 1000).toFixed(1)} s, ${fmtSize(down.result.bytes.length)}, ran on ${downWorker?.name ?? '?'}`);
	const describe = (m, runner) => processes.map((p) => `${p.name}${p === runner ? ' (ran it)' : ''} ${mib(m.before[p.name])} → peak ${mib(m.peak[p.name])}`).join('; ');
	table.figure(`peak RSS, ${label}, ${fmtSize(size)} upload`, describe(up, upWorker));
	table.figure(`peak RSS, ${label}, ${fmtSize(size)} download`, describe(down, downWorker));
	return {
		upload: { runner: upWorker?.name, before: up.before[upWorker?.name], peak: up.peak[upWorker?.name], main: up.peak[main.name] },
		download: { runner: downWorker?.name, before: down.before[downWorker?.name], peak: down.peak[downWorker?.name], main: down.peak[main.name] },
	};
}

// ---- A worker SIGKILLed during a chunked upload -------------------------------------------------
export async function workerKilledMidUpload(ctx, { size = 64 * MiB, chunkDelayMs = 1500 }) {
	const { table, main, postgres } = ctx;
	const emulator = ctx.e84;
	const caseName = 'worker SIGKILLed mid-upload';
	const [file] = fileSet('killed-upload', 1, size, size);
	const attachmentsBefore = new Set((await emulator.attachments()).map((row) => row.id));
	const documentsBefore = (await emulator.records('Document')).length;
	const afterId = await lastExecutionId(postgres);
	const logFrom = await emulator.logCount();
	await emulator.addFaults([{ pathRegex: '^/Attachment/chunk/', times: 'Infinity', action: { delayMs: chunkDelayMs } }]);
	const pending = postForm(`${main.baseUrl}/webhook/${WEBHOOK_EXAMPLE_PATH}`, { fields: { name: file.fileName, publishDate: PUBLISH_DATE }, files: { file } });

	// Wait until a worker has the execution and EspoCRM has taken a few chunks.
	let execution;
	let victim;
	let chunks = 0;
	const deadline = Date.now() + 120_000;
	while (Date.now() < deadline) {
		[execution] = await executionsAfter(postgres, 'qWebhookDocument', afterId);
		victim = execution && workerOf(ctx.workers, execution.id, 'started');
		chunks = (await emulator.log(logFrom)).filter((entry) => entry.path.startsWith('/Attachment/chunk/')).length;
		if (victim && chunks >= 3) break;
		await sleep(200);
	}
	if (!victim) {
		await emulator.clearFaults();
		table.check(caseName, 'a worker took the upload', false, `no worker started the execution within 120 s (chunks seen: ${chunks})`);
		return;
	}
	await victim.kill();
	const killedAt = Date.now();
	await emulator.clearFaults();
	const survivors = ctx.workers.filter((w) => w !== victim);
	ctx.workers = survivors.concat(victim); // keep its log for the execution count; it runs no more
	ctx.killed = victim;

	let status = execution.status;
	while (Date.now() - killedAt < 300_000) {
		status = (await postgres.query(`SELECT status FROM execution_entity WHERE id = ${execution.id}`))[0][0];
		if (!['new', 'running'].includes(status)) break;
		await sleep(500);
	}
	const settledSeconds = (Date.now() - killedAt) / 1000;
	const data = (await postgres.query(`SELECT data FROM execution_data WHERE "executionId" = ${execution.id}`))[0]?.[0] ?? '';
	const message = /(This execution failed to be processed[^"\\]*)/.exec(data)?.[1] ?? /"message":"([^"]+)"/.exec(data)?.[1] ?? '(no message)';
	const answer = await pending;
	table.check(caseName, `n8n marks the execution failed, not retried, and the webhook caller gets an error`,
		status === 'error' && answer.status >= 500,
		`${victim.name} killed after ${chunks} chunks; execution ${execution.id}: ${status} ${settledSeconds.toFixed(0)} s after the kill ("${message.slice(0, 110)}"); caller: HTTP ${answer.status} ${answer.text.slice(0, 80)}`);

	const rows = (await emulator.attachments()).filter((row) => !attachmentsBefore.has(row.id));
	const unfinished = rows.filter((row) => row.isBeingUploaded && !row.deleted);
	const documentsAfter = (await emulator.records('Document')).length;
	table.check(caseName, 'EspoCRM keeps at most one unfinished upload (isBeingUploaded: true) and no Document',
		unfinished.length <= 1 && rows.filter((row) => !row.isBeingUploaded && !row.deleted).length === 0 && documentsAfter === documentsBefore,
		`${unfinished.length} unfinished attachment(s)${unfinished[0] ? ` (${unfinished[0].id}, ${fmtSize(unfinished[0].size)} declared)` : ''}, ${rows.length} new attachment row(s) in all, Documents +${documentsAfter - documentsBefore}`);

	await leftoverQueryFromReadme(ctx, { caseName, expectedId: unfinished[0]?.id });

	const [next] = fileSet('after-the-kill', 1, 8 * MiB, 8 * MiB);
	const nextAfter = await lastExecutionId(postgres);
	const nextAnswer = await postForm(`${main.baseUrl}/webhook/${WEBHOOK_EXAMPLE_PATH}`, { fields: { name: next.fileName, publishDate: PUBLISH_DATE }, files: { file: next } });
	const nextStored = nextAnswer.json?.id ? await emulator.attachment(nextAnswer.json.id) : {};
	const [nextExecution] = await settledExecutions(ctx, 'qWebhookDocument', nextAfter, 1);
	const nextWorker = nextExecution && workerOf(ctx.workers, nextExecution.id);
	table.check(caseName, 'the next execution is unaffected (8 MiB, chunked, on the surviving worker)',
		nextAnswer.status === 200 && nextStored.sha256 === next.sha256 && nextStored.isBeingUploaded === false && nextWorker && nextWorker !== victim,
		`HTTP ${nextAnswer.status}, sha256 ${nextStored.sha256 === next.sha256 ? 'match' : 'MISMATCH'}, ran on ${nextWorker?.name ?? '?'}`);
	return { settledSeconds };
}

/**
 * The README's way for an admin to find and remove leftovers of an interrupted chunked upload, run
 * exactly as written there (the query is read from README.md, Queue mode): the list must hold exactly
 * the one unfinished upload, and after the README's removal step (`DELETE /api/v1/Attachment/{id}`
 * for each row) the same query must return nothing.
 */
export async function leftoverQueryFromReadme(ctx, { caseName, expectedId }) {
	const { table, repo } = ctx;
	const emulator = ctx.e84;
	const section = readFileSync(join(repo, 'README.md'), 'utf8').split(/^## Queue mode$/m)[1]?.split(/^## /m)[0] ?? '';
	const query = /`GET \/api\/v1\/(Attachment\?[^`]+)`/.exec(section)?.[1];
	const removal = /`DELETE \/api\/v1\/Attachment\/\{id\}`/.test(section);
	if (!query || !removal) {
		table.check(caseName, 'README (Queue mode) names the admin query for leftovers and how to remove them', false, `query ${query ? 'found' : 'NOT found'}, DELETE step ${removal ? 'found' : 'NOT found'}`);
		return;
	}
	const { userName, password } = emulator.users.admin;
	const admin = { 'Espo-Authorization': Buffer.from(`${userName}:${password}`).toString('base64') };
	const list = async () => {
		const response = await fetch(`${emulator.url}/api/v1/${query}`, { headers: admin });
		return { status: response.status, body: response.ok ? await response.json() : await response.text() };
	};
	const found = await list();
	const rows = found.body?.list ?? [];
	table.check(caseName, `the README's admin query (GET /api/v1/${query}) lists exactly the one leftover`,
		found.status === 200 && found.body.total === 1 && rows.length === 1 && rows[0].id === expectedId,
		`HTTP ${found.status}, total ${found.body?.total ?? '?'}: ${rows.map((row) => `${row.id} ${row.name ?? ''} ${row.size ?? ''} B declared, created ${row.createdAt ?? '?'}`).join('; ') || JSON.stringify(found.body).slice(0, 200)}`);
	const deleted = [];
	for (const row of rows) deleted.push((await fetch(`${emulator.url}/api/v1/Attachment/${row.id}`, { method: 'DELETE', headers: admin })).status);
	const after = await list();
	table.check(caseName, 'after the README\'s removal step (DELETE /api/v1/Attachment/{id} as admin) the same query lists nothing',
		deleted.every((status) => status === 200) && after.status === 200 && after.body.total === 0 && after.body.list.length === 0,
		`DELETE ${deleted.join(', ') || '(nothing listed)'}; then HTTP ${after.status}, total ${after.body?.total ?? '?'}`);
}

/** No credential value in anything n8n printed (main, workers, CLI commands). */
export function noSecretsInLogs(ctx, processes) {
	const { e84, e93 } = ctx;
	const secrets = [];
	for (const emulator of [e84, e93].filter(Boolean)) {
		const { apiUser, hmacUser, regularUser } = emulator.users;
		secrets.push(apiUser.apiKey, hmacUser.apiKey, hmacUser.secretKey, regularUser.password);
	}
	const leaks = processes.flatMap((p) => secrets.filter((secret) => p.log().includes(secret)).map(() => p.name));
	ctx.table.check('credentials on workers', 'no credential value in any n8n output (main, workers, CLI)', leaks.length === 0, leaks.length ? `found in ${[...new Set(leaks)].join(', ')}` : `${processes.length} processes' logs searched`);
}

export { espoApi };
