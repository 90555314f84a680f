#!/usr/bin/env node
// Screenshots of the node in a REAL n8n editor, for the README (docs/images/*.png).
// `npm run test:editor` (scripts/editor.mjs) takes the same pictures from the pages it checks, and
// more; this script only takes the pictures (--only picks some).
//
//   node scripts/screenshots.mjs [--out docs/images] [--only credential,node-append,...] [--keep]
//                                [--n8n-port 5690] [--broker-port 5691] [--emulator-port 5695]
//
// Needs Node 24 (n8n 2.x), n8n 2.41.1 installed outside the repo, Debian's Chromium and
// playwright-core (installed into the cache folder on first use; never into this repo):
//
//   apt-get install -y chromium
//   npm install --prefix ~/.cache/n8n-shots playwright-core@1.65.1
//   npm install --prefix ~/.cache/n8n-e2e/n8n-2 --ignore-scripts n8n@2.41.1   (then `npm rebuild sqlite3` there)
//
// Environment overrides: N8N_BIN (path of n8n's bin/n8n), CHROMIUM (default /usr/bin/chromium),
// PLAYWRIGHT_CORE (folder of playwright-core).
//
// End to end: the package is built from a staging copy of the sources and packed → the tarball is
// installed into $N8N_USER_FOLDER/.n8n/nodes like Settings → Community Nodes → the EspoCRM
// emulator starts (test/emulator, its own process) → `n8n start` on 127.0.0.1 with a throw-away
// user folder → owner set up and signed in through the REST API → an "EspoCRM account" credential
// (pointing at the emulator) and examples/webhook-document.json + examples/email-to-case.json
// (with pinned trigger output) created through the REST API → headless Chromium with the session
// cookie takes the pictures; "Execute step" really runs the node against the emulator. Every
// process started here is stopped by its PID when done (--keep leaves them running and prints how
// to stop them). The credential dialog shows fake values only and is never saved.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { emailToCaseWorkflow, FAKE_IMAP, OWNER, webhookDocumentWorkflow } from './screenshots/fixtures.mjs';
import { buildAndPack, installIntoN8n } from './screenshots/package.mjs';
import { N8nRest, startEmulator, startN8n } from './screenshots/servers.mjs';
import * as shots from './screenshots/shots.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(homedir(), '.cache');
const PLAYWRIGHT_VERSION = '1.65.1';
const MAX_BYTES = 300 * 1024;

const { values: opts } = parseArgs({
	options: {
		out: { type: 'string', default: join(REPO, 'docs', 'images') },
		only: { type: 'string' },
		keep: { type: 'boolean', default: false },
		'n8n-port': { type: 'string', default: '5690' },
		'broker-port': { type: 'string', default: '5691' },
		'emulator-port': { type: 'string', default: '5695' },
	},
});

const started = Date.now();
const log = (message) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}`);

/** The pictures, in the order they are taken (node-append leaves the page the canvas shot uses). */
const SHOTS = ['credential', 'node-operations', 'node-upload-link', 'node-append', 'workflow-email-to-case'];

function prerequisites() {
	const major = Number(process.versions.node.split('.')[0]);
	if (major < 24) throw new Error(`n8n 2.x needs Node 24 or later; this is ${process.version}`);
	const n8nBin = process.env.N8N_BIN ?? join(CACHE, 'n8n-e2e', 'n8n-2', 'node_modules', 'n8n', 'bin', 'n8n');
	if (!existsSync(n8nBin)) throw new Error(`n8n not found at ${n8nBin} (set N8N_BIN)`);
	const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
	if (!existsSync(chromiumPath)) throw new Error(`Chromium not found at ${chromiumPath}: apt-get install -y chromium (or set CHROMIUM)`);
	let playwrightDir = process.env.PLAYWRIGHT_CORE ?? join(CACHE, 'n8n-shots', 'node_modules', 'playwright-core');
	if (!existsSync(join(playwrightDir, 'package.json'))) {
		if (process.env.PLAYWRIGHT_CORE) throw new Error(`playwright-core not found at ${playwrightDir}`);
		const prefix = join(CACHE, 'n8n-shots');
		log(`installing playwright-core@${PLAYWRIGHT_VERSION} into ${prefix} (no browser download)`);
		mkdirSync(prefix, { recursive: true });
		execFileSync('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', `playwright-core@${PLAYWRIGHT_VERSION}`], { stdio: 'inherit' });
		playwrightDir = join(prefix, 'node_modules', 'playwright-core');
	}
	return { n8nBin, chromiumPath, playwrightCore: join(playwrightDir, 'index.mjs') };
}

async function main() {
	const wanted = opts.only ? opts.only.split(',').map((s) => s.trim().replace(/\.png$/, '')) : SHOTS;
	const unknown = wanted.filter((name) => !SHOTS.includes(name));
	if (unknown.length) throw new Error(`unknown shot(s): ${unknown.join(', ')}; known: ${SHOTS.join(', ')}`);
	const env = prerequisites();
	mkdirSync(opts.out, { recursive: true });
	const workDir = mkdtempSync(join(tmpdir(), 'n8n-shots-'));
	const userFolder = join(workDir, 'user');
	log(`work folder ${workDir}`);

	const running = [];
	let browser;
	try {
		const tarball = buildAndPack(REPO, workDir, log);
		const packageName = installIntoN8n(tarball, userFolder, log);
		log(`installed ${packageName} into ${relative(workDir, join(userFolder, '.n8n', 'nodes'))}`);

		const emulator = await startEmulator({ repoDir: REPO, port: Number(opts['emulator-port']), workDir });
		running.push(['EspoCRM emulator', emulator]);
		log(`EspoCRM emulator at ${emulator.url} (pid ${emulator.pid})`);

		log('n8n start …');
		const n8n = await startN8n({
			n8nBin: env.n8nBin,
			userFolder,
			port: Number(opts['n8n-port']),
			brokerPort: Number(opts['broker-port']),
			workDir,
		});
		running.push(['n8n', n8n]);
		log(`n8n at ${n8n.baseUrl} (pid ${n8n.pid})`);
		const loadErrors = n8n.output().split('\n').filter((line) => /error.*(espocrm|community|package)|(espocrm|community).*(error|fail)/i.test(line));
		if (loadErrors.length) log(`n8n logged:\n  ${loadErrors.slice(0, 5).join('\n  ')}`);

		const rest = new N8nRest(n8n.baseUrl);
		const cookie = await rest.ownerAndLogin(OWNER);
		const { apiUser } = emulator.users;
		const espo = await rest.createCredential('EspoCRM account', 'espoCrmApi', { baseUrl: emulator.url, authMethod: 'apiKey', apiKey: apiUser.apiKey });
		const imap = await rest.createCredential('IMAP account', 'imap', FAKE_IMAP);
		const credentials = { espoCrmApi: espo, imap };
		const webhook = webhookDocumentWorkflow(REPO, credentials);
		const email = emailToCaseWorkflow(REPO, credentials, emulator.seed.caseId);
		const webhookWf = await rest.createWorkflow(webhook.body);
		const emailWf = await rest.createWorkflow(email.body);
		log(`owner signed in; credentials ${espo.id}, ${imap.id}; workflows ${webhookWf.id}, ${emailWf.id}`);

		browser = await shots.launchBrowser({ ...env, userDataDir: join(workDir, 'chromium-profile') });
		const editor = new shots.Editor(browser, n8n.baseUrl, log);
		await editor.signIn(cookie);
		const png = (name) => join(opts.out, `${name}.png`);
		const failures = [];
		const take = async (name, fn) => {
			if (!wanted.includes(name)) return undefined;
			try {
				return await fn(png(name));
			} catch (error) {
				failures.push(`${name}: ${error.message.split('\n')[0]}`);
				const seen = join(workDir, `${name}.failed.png`);
				await editor.page?.screenshot({ path: seen }).catch(() => undefined);
				log(`FAILED ${name}: ${error.message}\n  what the page showed: ${seen}`);
				return undefined;
			}
		};

		await take('credential', (file) => shots.credentialDialog(editor, { file, name: 'EspoCRM account' }));
		await take('node-operations', (file) => shots.operationList(editor, { workflowId: webhookWf.id, nodeId: webhook.espoNodeId, file }));
		await take('node-upload-link', (file) => shots.uploadLinkPanel(editor, { workflowId: webhookWf.id, nodeId: webhook.espoNodeId, file }));
		const appendPage = await take('node-append', (file) => shots.appendPanel(editor, { workflowId: emailWf.id, nodeId: email.espoNodeId, file }));
		if (wanted.includes('workflow-email-to-case')) {
			await take('workflow-email-to-case', async (file) => {
				const page = appendPage ?? (await shots.appendPanel(editor, { workflowId: emailWf.id, nodeId: email.espoNodeId, file: join(workDir, 'append.png') }));
				await shots.workflowCanvas(editor, { page, file });
			});
		}

		for (const name of wanted) {
			const file = png(name);
			if (!existsSync(file) || failures.some((f) => f.startsWith(`${name}:`))) continue;
			const { width, height } = pngSize(file);
			const bytes = statSync(file).size;
			const ok = bytes < MAX_BYTES;
			if (!ok) failures.push(`${name}: ${Math.round(bytes / 1024)} KB is over ${MAX_BYTES / 1024} KB`);
			log(`${ok ? 'ok  ' : 'BIG '} ${relative(REPO, file)}  ${width}×${height}  ${Math.round(bytes / 1024)} KB`);
		}
		if (editor.pageErrors.length) log(`page errors (not fatal):\n  ${editor.pageErrors.slice(0, 5).join('\n  ')}`);
		if (failures.length) {
			process.exitCode = 1;
			log(`${failures.length} shot(s) failed:\n  ${failures.join('\n  ')}\nlogs: ${workDir}/n8n.log, ${workDir}/emulator.log`);
		}
	} finally {
		await browser?.close().catch(() => undefined);
		if (opts.keep) {
			for (const [what, proc] of running) {
				proc.leaveRunning();
				log(`--keep: ${what} still running, pid ${proc.pid} (stop: kill -- -${proc.pid})`);
			}
			log(`--keep: work folder ${workDir}`);
		} else {
			for (const [what, proc] of running.reverse()) {
				await proc.stop();
				log(`stopped ${what} (pid ${proc.pid})`);
			}
			if (!process.exitCode) rmSync(workDir, { recursive: true, force: true });
			else log(`work folder kept for its logs: ${workDir}`);
		}
	}
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file) {
	const header = readFileSync(file).subarray(0, 24);
	return { width: header.readUInt32BE(16), height: header.readUInt32BE(20) };
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
