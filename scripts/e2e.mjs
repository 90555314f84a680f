#!/usr/bin/env node
// `npm run test:e2e`: this package in a REAL n8n, installed as users install it.
//
//   node scripts/e2e.mjs [--n8n 2|1|all] [--quick] [--keep] [--package-dir <dir>]
//   node scripts/e2e.mjs --self-test-broken [--n8n 2|1|all]
//
// For each n8n line (2 = n8n 2.41.1 on Node 24, 1 = n8n 1.123.50 on Node 20; installed into a cache
// outside the repo on first use, see scripts/e2e/runtime.mjs): `npm pack` → install into
// $N8N_USER_FOLDER/.n8n/nodes like Settings → Community Nodes → check that n8n knows the node type,
// its AI-tool variant and its icons, with no load error → start the EspoCRM emulator (own process)
// → import a credential and every examples/*.json → run the webhook example under `n8n start` and
// POST a file to it → `n8n execute` the email, schedule and download examples (their outside-world
// triggers replaced, see scripts/e2e/workflows.mjs) → compare with what the emulator stored
// (its /__emulator control surface) → on n8n 2.x, the trigger nodes under `n8n start`
// (scripts/e2e/triggers.mjs). Exit code 1 when any check fails.
//
// --quick: only the package checks and one execution that uses the node.
// --self-test-broken: builds deliberately broken copies of the package (wrong n8n.nodes path,
//   missing icon, a require n8n does not provide) and shows that this script fails for each, and
//   passes for an intact copy.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { DOCUMENT_FIELDS, emailItems, FILES, recordItems, sha256 } from './demo/scenario.mjs';
import { startEmulatorProcess } from './e2e/emulator.mjs';
import { N8n, nodeOutput, runError } from './e2e/n8n.mjs';
import { BREAKAGES, brokenCopy, installLikeCommunityNodes, pack } from './e2e/package.mjs';
import { createReport } from './e2e/report.mjs';
import { triggerChecks } from './e2e/triggers.mjs';
import { CACHE_DIR, N8N_LINES, n8nInstall, run } from './e2e/runtime.mjs';
import { CREDENTIAL, loadExamples, problemsAgainst, runnableNow, withStandIn } from './e2e/workflows.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
	options: {
		n8n: { type: 'string' },
		quick: { type: 'boolean', default: false },
		keep: { type: 'boolean', default: false },
		'package-dir': { type: 'string' },
		'self-test-broken': { type: 'boolean', default: false },
	},
});
const report = createReport();
const HMAC_CREDENTIAL = { id: 'EspoCrmHmac00001', name: 'EspoCRM (HMAC)' };
const NODE_NAME = 'espoCrmAttachment';
// n8n's HTTP Request node authenticates through the legacy request helper, which hands the
// credential's authenticate() `uri`, not `url` (fixed in b8ef9dc; the HMAC run guards it).
const HMAC_URI_HINT = ' (the credential\'s authenticate() signs requestOptions.url, but the HTTP Request node passes requestOptions.uri)';

function linesToRun(fallback) {
	const choice = opts.n8n ?? fallback;
	return choice === 'all' ? Object.keys(N8N_LINES).sort().reverse() : [choice];
}

/** Short, stable workflow ids (n8n accepts at most 21 characters). */
const exampleId = (file) => `ex${basename(file, '.json').replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase())}`.slice(0, 21);

// ---- The package as n8n loads it --------------------------------------------------------------
async function packageChecks(n8n, pkg, emulator) {
	const types = await report.timed('export:nodes', () => n8n.nodeTypes());
	const nodeType = `${pkg.name}.${NODE_NAME}`;
	const ours = types.filter((t) => t.name.startsWith(`${pkg.name}.`));
	report.check(ours.some((t) => t.name === nodeType), `n8n knows the node type ${nodeType}`, ours.length ? '' : `n8n export:nodes lists ${types.length} node types, none of this package`);
	report.check(ours.some((t) => t.name === `${nodeType}Tool`), `…and offers it as an AI tool (${nodeType}Tool)`);

	const iconUrls = [...new Set(ours.filter((t) => t.name === nodeType).flatMap((t) => (typeof t.iconUrl === 'object' ? Object.values(t.iconUrl) : [t.iconUrl])).filter(Boolean))];
	const missingIcons = iconUrls.filter((url) => !existsSync(join(pkg.dir, url.replace(`icons/${pkg.name}/`, ''))));
	report.check(iconUrls.length > 0 && missingIcons.length === 0, `the node's icons are in the installed package (${iconUrls.length})`, missingIcons.join(', '));
	const credentialIcons = credentialIconFiles(pkg.dir);
	const missingCredentialIcons = credentialIcons.filter((file) => !existsSync(file));
	report.check(credentialIcons.length > 0 && missingCredentialIcons.length === 0, `the credential's icons are in the installed package (${credentialIcons.length})`, missingCredentialIcons.join(', '));

	const imported = await n8n.importCredentials(credentialsFor(emulator));
	report.check(imported.code === 0, 'n8n import:credentials: EspoCRM API credentials (API key, HMAC) for the emulator', imported.code === 0 ? '' : lastLines(imported));

	// An execution that needs the node AND the credential type: it fails if either did not load.
	const probe = withStandIn(example('demo-download-record-files.json'), {
		id: 'e2eProbe', replace: 'Records to Read', items: recordItems('Document', 'file', emulator.seed.documentId),
	});
	await n8n.importWorkflow(probe);
	const { code, run, stdout, stderr } = await report.timed('execute probe', () => n8n.execute('e2eProbe'));
	const [item] = nodeOutput(run, "Download the Record's Files");
	const stored = await emulator.attachment(emulator.seed.documentFileId);
	const got = item?.binary?.data ? sha256(n8n.binaryBytes(item.binary.data)) : undefined;
	report.check(code === 0 && got === stored.sha256, 'n8n execute runs the node: the demo Document\'s file downloads with the sha256 EspoCRM stored',
		code === 0 ? `sha256 ${(got ?? 'no file').slice(0, 16)}` : runError(run) ?? firstErrorLine({ stdout, stderr }));

	const loadErrors = n8n.loadErrors();
	report.check(loadErrors.length === 0, 'n8n logged no package or node load error', loadErrors.slice(0, 3).join('\n'));
	return types;
}

/** The `file:` icons the built credential declares, as paths in the installed package. */
function credentialIconFiles(packageDir) {
	const { n8n } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
	return (n8n?.credentials ?? []).flatMap((path) => {
		const file = join(packageDir, path);
		if (!existsSync(file)) return [file];
		return [...readFileSync(file, 'utf8').matchAll(/['"]file:([^'"]+)['"]/g)].map((m) => join(dirname(file), m[1]));
	});
}

function credentialsFor(emulator) {
	const { apiUser, hmacUser } = emulator.users;
	return [
		{ ...CREDENTIAL, type: 'espoCrmApi', data: { baseUrl: emulator.url, authMethod: 'apiKey', apiKey: apiUser.apiKey } },
		{ ...HMAC_CREDENTIAL, type: 'espoCrmApi', data: { baseUrl: emulator.url, authMethod: 'hmac', apiKey: hmacUser.apiKey, secretKey: hmacUser.secretKey, hmacFormat: 'hex' } },
	];
}

// ---- The examples ------------------------------------------------------------------------------
let examplesCache;
const examples = () => (examplesCache ??= loadExamples(join(REPO, 'examples')));
const example = (file) => examples().find((e) => e.file === file).workflow;

async function importExamples(n8n, types) {
	for (const { file, workflow } of examples()) {
		const result = await n8n.importWorkflow({ ...workflow, id: exampleId(file) });
		const problems = problemsAgainst(types, workflow);
		report.check(result.code === 0 && problems.length === 0, `examples/${file} imports (node types, versions and parameters exist in this n8n)`,
			[...problems, ...(result.code === 0 ? [] : [lastLines(result)])].join('\n'));
	}
}

/** webhook-document.json as users run it: activated, `n8n start`, a multipart POST. */
async function webhookExample(n8n, emulator, pkgName) {
	const id = exampleId('webhook-document.json');
	const activated = await n8n.cli(['update:workflow', `--id=${id}`, '--active=true']);
	if (!report.check(activated.code === 0, 'webhook-document.json activated (n8n update:workflow --active=true)', activated.code === 0 ? '' : lastLines(activated))) return undefined;
	const server = await report.timed('n8n start', () => n8n.start());
	try {
		report.note(`n8n start is up at ${server.baseUrl}`);
		const hook = `${server.baseUrl}/webhook/espocrm-document`;
		const registered = await waitFor(async () => /POST request/.test(await (await fetch(hook)).text()), 60_000);
		if (!report.check(registered, 'the webhook is registered', registered ? '' : `no POST webhook at ${hook} after 60 s`)) return undefined;

		// n8n 1.x answers readiness before its UI routes exist: wait until it serves its own icons.
		await waitFor(async () => (await fetch(`${server.baseUrl}/icons/n8n-nodes-base/dist/nodes/Webhook/webhook.svg`)).ok, 60_000);
		const types = JSON.parse(readFileSync(join(n8n.userFolder, 'node-types.json'), 'utf8'));
		const icons = types.filter((t) => t.name === `${pkgName}.${NODE_NAME}`).flatMap((t) => Object.values(t.iconUrl ?? {}));
		const served = await Promise.all(icons.map(async (url) => ({ url, response: await fetch(`${server.baseUrl}/${url}`) })));
		const bad = served.filter(({ response }) => !response.ok || !/svg/.test(response.headers.get('content-type') ?? ''));
		report.check(icons.length > 0 && bad.length === 0, `n8n serves the node's icons (${icons.length} × image/svg+xml)`, bad.map(({ url, response }) => `${url}: HTTP ${response.status}`).join(', '));

		const form = new FormData();
		form.append('name', DOCUMENT_FIELDS.name);
		form.append('publishDate', DOCUMENT_FIELDS.publishDate);
		form.append('file', new Blob([FILES.contract.data], { type: FILES.contract.mimeType }), FILES.contract.fileName);
		const response = await fetch(hook, { method: 'POST', body: form });
		const text = await response.text();
		const answer = response.ok ? JSON.parse(text) : {};
		const documentId = answer.record?.id;
		report.check(response.ok && Boolean(documentId), `POST ${FILES.contract.fileName} to the webhook → HTTP ${response.status}, Document ${documentId ?? '?'}`, response.ok ? '' : text.slice(0, 300));
		if (!documentId) return undefined;
		const document = await emulator.record('Document', documentId);
		const stored = await emulator.attachment(answer.id);
		report.check(document.fileId === answer.id, 'EspoCRM: the new Document\'s File field holds the uploaded attachment', `fileId ${document.fileId}, attachment ${answer.id}`);
		report.check(document.name === DOCUMENT_FIELDS.name && document.publishDate === DOCUMENT_FIELDS.publishDate, 'EspoCRM: name and publishDate from the form are on the Document', `"${document.name}", ${document.publishDate}`);
		report.check(stored.sha256 === sha256(FILES.contract.data), 'EspoCRM stored the file byte for byte (sha256)', stored.sha256.slice(0, 16));
		return documentId;
	} finally {
		await server.stop();
	}
}

async function waitFor(condition, timeoutMs) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await condition().catch(() => false)) return true;
		await new Promise((r) => setTimeout(r, 500));
	}
	return false;
}

/** email-to-case.json with the IMAP trigger replaced by the email it would emit. */
async function emailExample(n8n, emulator) {
	const caseId = emulator.seed.caseId;
	const before = (await emulator.record('Case', caseId)).attachmentsIds;
	const workflow = withStandIn(example('email-to-case.json'), { id: 'e2eRunEmail', replace: 'Email Trigger (IMAP)', items: emailItems(caseId) });
	await n8n.importWorkflow(workflow);
	const { code, run } = await report.timed('execute email', () => n8n.execute('e2eRunEmail'));
	const out = nodeOutput(run, 'Append to the Case');
	report.check(code === 0 && out.length === 2, 'email-to-case.json: one email with 2 attachments → Split Out → Append to the Case: 2 items', runError(run));
	const after = (await emulator.record('Case', caseId)).attachmentsIds;
	const added = out.map((item) => item.json.id);
	report.check(before.every((id) => after.includes(id)) && added.every((id) => after.includes(id)) && after.length === before.length + 2,
		`EspoCRM: the Case keeps its ${before.length} file(s) and has the 2 new ones`, `attachmentsIds ${after.join(', ')}`);
	for (const sent of [FILES.photo, FILES.report]) {
		const item = out.find((i) => i.json.name === sent.fileName);
		const stored = item ? (await emulator.attachment(item.json.id)).sha256 : 'missing';
		report.check(stored === sha256(sent.data), `EspoCRM stored ${sent.fileName} byte for byte (sha256)`, stored.slice(0, 16));
	}
	return after;
}

/** schedule-case-downloads.json run now (Manual Trigger), its HTTP Request pointed at the emulator. */
async function scheduleExample(n8n, emulator, caseFiles, credential, label) {
	const id = credential === CREDENTIAL ? 'e2eRunCasesApiKey' : 'e2eRunCasesHmac';
	const workflow = runnableNow(example('schedule-case-downloads.json'), { id, trigger: 'Every Hour', baseUrl: emulator.url, credential });
	await n8n.importWorkflow(workflow);
	const { code, run } = await report.timed(`execute schedule (${label})`, () => n8n.execute(id));
	const listed = nodeOutput(run, 'One Item per Case').map((item) => item.json.id);
	const out = nodeOutput(run, "Download the Case's Files");
	report.check(code === 0 && listed.includes(emulator.seed.caseId) && out.length === caseFiles.length,
		`schedule-case-downloads.json (${label}): HTTP Request lists the recent Cases, the node downloads the demo Case's ${caseFiles.length} files`,
		code === 0 ? `cases ${listed.join(', ')}; ${out.length} files` : `${runError(run)}${/Invalid URL/.test(runError(run) ?? '') ? HMAC_URI_HINT : ''}`);
	if (code !== 0) return;
	const mismatches = [];
	for (const item of out) {
		const stored = (await emulator.attachment(item.json.id)).sha256;
		if (sha256(n8n.binaryBytes(item.binary?.data)) !== stored) mismatches.push(item.json.name);
	}
	report.check(mismatches.length === 0, `every downloaded file has the sha256 EspoCRM stored (${out.length})`, mismatches.join(', '));
}

/** demo-download-record-files.json for the Document the webhook created. */
async function documentDownload(n8n, emulator, documentId) {
	const workflow = withStandIn(example('demo-download-record-files.json'), {
		id: 'e2eRunDocumentFile', replace: 'Records to Read', items: recordItems('Document', 'file', documentId),
	});
	await n8n.importWorkflow(workflow);
	const { code, run } = await report.timed('execute document download', () => n8n.execute('e2eRunDocumentFile'));
	const [item] = nodeOutput(run, "Download the Record's Files");
	const got = item?.binary?.data ? sha256(n8n.binaryBytes(item.binary.data)) : undefined;
	report.check(code === 0 && got === sha256(FILES.contract.data) && item.binary.data.fileName === FILES.contract.fileName,
		`the webhook's ${FILES.contract.fileName} downloads back with the sha256 that was sent`, code === 0 ? `sha256 ${(got ?? 'no file').slice(0, 16)}` : runError(run));
}

// ---- One n8n line ------------------------------------------------------------------------------
async function e2eFor(line, tarball, work) {
	const spec = N8N_LINES[line];
	report.section(`n8n ${spec.version} (Node ${spec.nodeMajor})`);
	let install;
	try {
		install = await report.timed('install', () => n8nInstall(line, report.note));
	} catch (error) {
		report.check(false, `n8n ${spec.version} installs into ${CACHE_DIR}`, error.message);
		return;
	}
	report.check(true, `n8n ${install.version} on Node ${install.node.version}`, install.folder);
	const n8n = new N8n(install, join(work, `n8n-${line}-user`));
	const pkg = await installLikeCommunityNodes(tarball, n8n.userFolder);
	report.check(true, `${basename(tarball)} installed into .n8n/nodes as Settings → Community Nodes does`, `${pkg.files.length} files, e.g. ${pkg.files.filter((f) => f.endsWith('.svg')).join(', ')}`);
	const emulator = await startEmulatorProcess(REPO);
	report.note(`EspoCRM emulator at ${emulator.url} (demo Case ${emulator.seed.caseId}, Document ${emulator.seed.documentId})`);
	try {
		const types = await packageChecks(n8n, pkg, emulator);
		if (opts.quick) return;
		await importExamples(n8n, types);
		const documentId = await webhookExample(n8n, emulator, pkg.name);
		const caseFiles = await emailExample(n8n, emulator);
		await scheduleExample(n8n, emulator, caseFiles, CREDENTIAL, 'API key');
		await scheduleExample(n8n, emulator, caseFiles, HMAC_CREDENTIAL, 'HMAC');
		if (documentId) await documentDownload(n8n, emulator, documentId);
		if (line === '2') await triggerChecks({ n8n, emulator, report, example: example('new-document-copy-to-case.json'), pkgName: pkg.name });
		const loadErrors = n8n.loadErrors();
		report.check(loadErrors.length === 0, 'no package or node load error in any n8n output', loadErrors.slice(0, 3).join('\n'));
	} finally {
		await emulator.stop();
		const logFile = join(n8n.userFolder, 'n8n-commands.log');
		writeFileSync(logFile, n8n.logs.join('\n\n'));
		report.note(opts.keep ? `every n8n command's output: ${logFile}` : 'run with --keep to keep every n8n command\'s output');
	}
}

// ---- Self-test: the checks must fail for a broken package --------------------------------------
async function selfTest(work) {
	const script = fileURLToPath(import.meta.url);
	for (const line of linesToRun('2')) {
		report.section(`self-test on n8n ${N8N_LINES[line].version}: broken packages must fail the e2e`);
		for (const [breakage, { what }] of [['none', { what: 'an intact copy (control)' }], ...Object.entries(BREAKAGES)]) {
			const dir = brokenCopy(REPO, breakage === 'none' ? undefined : breakage, join(work, 'copies', breakage));
			report.note(`${breakage}: ${what}: node scripts/e2e.mjs --quick --n8n ${line} --package-dir ${dir}`);
			const code = await runIndented(process.execPath, [script, '--quick', '--n8n', line, '--package-dir', dir]);
			report.check(breakage === 'none' ? code === 0 : code !== 0,
				breakage === 'none' ? 'the intact copy passes (exit 0)' : `${breakage}: the e2e fails (exit ${code})`, what);
		}
	}
}

function runIndented(command, args) {
	return new Promise((resolvePromise) => {
		const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
		const print = (chunk) => process.stdout.write(chunk.toString().replace(/^/gm, '      │ ').replace(/ {6}│ $/, ''));
		child.stdout.on('data', print);
		child.stderr.on('data', print);
		child.on('close', (code) => resolvePromise(code));
	});
}

const lastLines = ({ stdout = '', stderr = '' }) => `${stdout}${stderr}`.trim().split('\n').slice(-3).join('\n');
/** When n8n fails before it runs anything (no run data), the line that says why. */
const firstErrorLine = (output) =>
	`${output.stdout}${output.stderr}`.split('\n').find((line) => /Unrecognized|Cannot find|Error:|not found/i.test(line)) ?? lastLines(output);

// ---- Main --------------------------------------------------------------------------------------
async function main() {
	const started = Date.now();
	const work = mkdtempSync(join(tmpdir(), 'espocrm-n8n-e2e-'));
	try {
		if (!opts['package-dir']) {
			console.log('Building the package (npm run build)…');
			await run('npm', ['run', 'build'], { cwd: REPO, quiet: true });
		}
		if (opts['self-test-broken']) {
			await selfTest(work);
		} else {
			const packageDir = resolve(opts['package-dir'] ?? REPO);
			const tarball = pack(packageDir, join(work, 'pack'));
			console.log(`Packed ${basename(tarball)} from ${packageDir}`);
			for (const line of linesToRun('all')) await e2eFor(line, tarball, work);
		}
	} catch (error) {
		report.check(false, 'the e2e run stopped', error.stack ?? String(error));
	} finally {
		if (!opts.keep) rmSync(work, { recursive: true, force: true });
		else console.log(`\nKept ${work}: ${readdirSync(work).join(', ')}`);
	}
	process.exitCode = report.summary(started) > 0 ? 1 : 0;
}

await main();
