#!/usr/bin/env node
// `npm run test:editor`: the node in the REAL n8n editor, driven by headless Debian Chromium.
//
//   node scripts/editor.mjs [--out docs/images] [--no-shots] [--keep]
//                           [--n8n-port N] [--broker-port N] [--emulator-port N]   (default: free ports)
//
// n8n 2.41.1 (the e2e's cached install, scripts/e2e/runtime.mjs; installed on first use) starts with
// the package packed from a staging copy of the sources and installed as Settings → Community Nodes
// does (scripts/e2e/package.mjs), against the bundled EspoCRM emulator (its own process). The page is
// driven as a person would and every check reads what the page shows:
//   the node panel finds the node by "EspoCRM" and lists one action per operation; the canvas
//   shows each operation's name under the node; the credential dialog's test succeeds for API Key,
//   HMAC and Username & Password and shows the mapped message for a wrong key, and a Base URL that
//   redirects to another host fails naming that host, which gets no request; Entity Type and Field
//   list what the emulator's metadata holds, only fields of the operation's kind; the record list
//   finds a Case by name; "Execute step" on Upload and Link / Upload and Append shows the record id
//   EspoCRM stored (and the input's files) — checked against the emulator.
// The README's screenshots are written from the same pages (--out, default docs/images; --no-shots
// skips them). Without Chromium (/usr/bin/chromium, or $CHROMIUM) it prints one SKIPPED line and
// exits 0; EDITOR_TEST_REQUIRED=1 makes that a failure. Exit code 1 when any check fails.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import * as checks from './editor/checks.mjs';
import { freePort } from './e2e/n8n.mjs';
import { installLikeCommunityNodes } from './e2e/package.mjs';
import { createReport } from './e2e/report.mjs';
import { n8nInstall } from './e2e/runtime.mjs';
import { emailToCaseWorkflow, FAKE_IMAP, OWNER, webhookDocumentWorkflow } from './screenshots/fixtures.mjs';
import { buildAndPack } from './screenshots/package.mjs';
import { N8nRest, startEmulator, startN8n } from './screenshots/servers.mjs';
import * as shots from './screenshots/shots.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAX_SHOT_BYTES = 300 * 1024;
const { values: opts } = parseArgs({
	options: {
		out: { type: 'string', default: join(REPO, 'docs', 'images') },
		'no-shots': { type: 'boolean', default: false },
		keep: { type: 'boolean', default: false },
		'n8n-port': { type: 'string' },
		'broker-port': { type: 'string' },
		'emulator-port': { type: 'string' },
	},
});

const started = Date.now();
const log = (message) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}`);
const report = createReport();

/** What the canvas should show under a node of each operation (the subtitle expression's table). */
const SUBTITLES = {
	copyToRecord: 'Copy to Record',
	delete: 'Delete',
	download: 'Download',
	downloadFromRecord: 'Download From Record',
	get: 'Get',
	removeFromRecord: 'Remove From Record',
	upload: 'Upload',
	uploadToAttachmentMultiple: 'Upload and Append',
	uploadToFileField: 'Upload and Link',
};
const FIELD_TYPE_LABELS = { file: 'File', image: 'Image', attachmentMultiple: 'Attachment-Multiple' };

function prerequisites() {
	const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
	if (!existsSync(chromiumPath)) {
		const line = `test:editor: SKIPPED — no Chromium at ${chromiumPath} (apt-get install -y chromium, or set CHROMIUM); nothing was checked`;
		if (process.env.EDITOR_TEST_REQUIRED === '1') throw new Error(line.replace('SKIPPED', 'FAILED (EDITOR_TEST_REQUIRED=1)'));
		console.log(line);
		process.exit(0);
	}
	const major = Number(process.versions.node.split('.')[0]);
	if (major < 22) throw new Error(`n8n 2.x needs Node 22 or later; this is ${process.version} (run it through scripts/node22.sh)`);
	return { chromiumPath, playwrightCore: createRequire(import.meta.url).resolve('playwright-core').replace(/index\.js$/, 'index.mjs') };
}

/** The operations as the built node describes them (name, value, action). */
function operationsOf(packageDir) {
	const require = createRequire(join(packageDir, 'package.json'));
	const { EspoCrmAttachment } = require(join(packageDir, 'dist', 'nodes', 'EspoCrmAttachment', 'EspoCrmAttachment.node.js'));
	const operation = new EspoCrmAttachment().description.properties.find((p) => p.name === 'operation');
	return operation.options.map(({ name, value, action }) => ({ name, value, action }));
}

/** The credential test's 401 message for an API key, from the built package (the nodes' testedBy function). */
function wrongKeyMessageOf(packageDir) {
	const require = createRequire(join(packageDir, 'package.json'));
	const { rejectedMessage } = require(join(packageDir, 'dist', 'nodes', 'EspoCrmAttachment', 'methods', 'credentialTest.js'));
	return rejectedMessage('apiKey');
}

/** What the dropdowns must list, read from the emulator's metadata (as EspoCRM serves it). */
async function expectedLists(emulator) {
	const response = await fetch(`${emulator.url}/api/v1/Metadata`, { headers: { 'X-Api-Key': emulator.users.apiUser.apiKey } });
	if (!response.ok) throw new Error(`GET Metadata from the emulator: HTTP ${response.status}`);
	const { entityDefs } = await response.json();
	const withTypes = (types) => Object.entries(entityDefs)
		.filter(([, def]) => Object.values(def.fields ?? {}).some((field) => types.includes(field.type)))
		.map(([name]) => name);
	const fieldsOf = (entityType, types) => Object.entries(entityDefs[entityType].fields)
		.filter(([, field]) => types.includes(field.type))
		.map(([name, field]) => `${name} (${FIELD_TYPE_LABELS[field.type]})`);
	return {
		fileEntityTypes: withTypes(['file', 'image']),
		multipleEntityTypes: withTypes(['attachmentMultiple']),
		fileFields: fieldsOf('CInspection', ['file', 'image']),
		multipleFields: fieldsOf('CInspection', ['attachmentMultiple']),
	};
}

async function espo(emulator, path, init = {}) {
	const response = await fetch(`${emulator.url}/api/v1/${path}`, {
		...init,
		headers: { 'X-Api-Key': emulator.users.apiUser.apiKey, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`);
	return text ? JSON.parse(text) : undefined;
}

const espoNode = (name, position, parameters, credential) => ({
	id: createHash('md5').update(name).digest('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/, '$1-$2-$3-$4-$5'),
	name,
	type: 'n8n-nodes-espocrm-attachments.espoCrmAttachment',
	typeVersion: 1,
	position,
	parameters: { resource: 'attachment', ...parameters },
	credentials: { espoCrmApi: { id: credential.id, name: credential.name } },
});

/** One node per operation, named neutrally so the subtitle is the only place the operation shows. */
function subtitleWorkflow(operations, credential) {
	const nodes = operations.map(({ value }, index) => espoNode(`Step ${index + 1}`, [(index % 3) * 260, Math.floor(index / 3) * 220], { operation: value }, credential));
	return {
		body: { name: 'Editor test: one node per operation', nodes, connections: {}, settings: { executionOrder: 'v1' } },
		nodes: nodes.map((node) => ({ name: node.name, operation: node.parameters.operation, subtitle: SUBTITLES[node.parameters.operation] })),
	};
}

function dropdownWorkflow(credential) {
	const link = espoNode('Link Check', [0, 0], { operation: 'uploadToFileField', entityType: 'Document', field: 'file', recordMode: 'new' }, credential);
	const append = espoNode('Append Check', [300, 0], { operation: 'uploadToAttachmentMultiple', entityType: 'Case', field: 'attachments', recordId: { __rl: true, mode: 'list', value: '' } }, credential);
	// One workflow each: n8n opens a workflow read-only while another page (the previous one, for a
	// few seconds after it closed) still holds it for editing.
	const workflow = (name, node) => ({ name, nodes: [node], connections: {}, settings: { executionOrder: 'v1' } });
	return { linkBody: workflow('Editor test: Upload and Link dropdowns', link), appendBody: workflow('Editor test: Upload and Append dropdowns', append), linkNodeId: link.id, appendNodeId: append.id };
}

async function main() {
	const env = prerequisites();
	const workDir = mkdtempSync(join(tmpdir(), 'n8n-editor-test-'));
	const userFolder = join(workDir, 'user');
	const out = opts['no-shots'] ? join(workDir, 'shots') : resolve(opts.out);
	mkdirSync(out, { recursive: true });
	log(`work folder ${workDir}`);
	const running = [];
	let browser;
	try {
		report.section('Setup: real n8n with the packed package, the EspoCRM emulator, headless Chromium');
		const n8n = await n8nInstall(2, log);
		report.check(existsSync(n8n.cli), `n8n ${n8n.version} on Node ${n8n.node.version} (${n8n.folder})`);
		const tarball = buildAndPack(REPO, workDir, log);
		const pkg = await installLikeCommunityNodes(tarball, userFolder);
		report.check(pkg.files.includes('dist/nodes/EspoCrmAttachment/EspoCrmAttachment.node.js'), `${pkg.name}@${pkg.version} installed into .n8n/nodes as Community Nodes does (${pkg.files.length} files)`);
		const staging = join(workDir, 'package'); // the built copy, with the repo's node_modules (n8n-workflow)
		const operations = operationsOf(staging);

		const emulator = await startEmulator({ repoDir: REPO, port: Number(opts['emulator-port'] ?? 0), workDir });
		running.push(['EspoCRM emulator', emulator]);
		log(`EspoCRM emulator at ${emulator.url} (pid ${emulator.pid})`);
		log('n8n start … (about a minute on a busy machine)');
		const server = await startN8n({
			n8nBin: n8n.cli,
			nodeBin: n8n.node.bin,
			userFolder,
			port: Number(opts['n8n-port'] ?? (await freePort())),
			brokerPort: Number(opts['broker-port'] ?? (await freePort())),
			workDir,
		});
		running.push(['n8n', server]);
		log(`n8n at ${server.baseUrl} (pid ${server.pid})`);
		const rest = new N8nRest(server.baseUrl);
		const cookie = await rest.ownerAndLogin(OWNER);
		const types = await (await fetch(`${server.baseUrl}/types/nodes.json`, { headers: { cookie: `n8n-auth=${cookie}` } })).text();
		report.check(types.includes('"n8n-nodes-espocrm-attachments.espoCrmAttachment"'), 'n8n serves the node type to the editor (/types/nodes.json)', types.slice(0, 200));
		const espoCredential = await rest.createCredential('EspoCRM account', 'espoCrmApi', { baseUrl: emulator.url, authMethod: 'apiKey', apiKey: emulator.users.apiUser.apiKey });
		const imap = await rest.createCredential('IMAP account', 'imap', FAKE_IMAP);
		const credentials = { espoCrmApi: espoCredential, imap };
		const webhook = webhookDocumentWorkflow(REPO, credentials);
		const email = emailToCaseWorkflow(REPO, credentials, emulator.seed.caseId);
		const subtitles = subtitleWorkflow(operations, espoCredential);
		const lists = dropdownWorkflow(espoCredential);
		const ids = {};
		for (const [key, body] of Object.entries({ webhook: webhook.body, email: email.body, subtitles: subtitles.body, linkLists: lists.linkBody, appendLists: lists.appendBody })) ids[key] = (await rest.createWorkflow(body)).id;
		// A second Case, so that the record search has something to leave out.
		await espo(emulator, 'Case', { method: 'POST', body: JSON.stringify({ name: 'Water damage in the warehouse' }) });
		const cases = (await espo(emulator, 'Case?select=name')).list.map((record) => record.name);
		const expected = { ...(await expectedLists(emulator)), allCases: cases, searchTerm: 'Water', recordName: 'Water damage in the warehouse' };

		browser = await shots.launchBrowser({ ...env, userDataDir: join(workDir, 'chromium-profile') });
		const editor = new shots.Editor(browser, server.baseUrl, log);
		await editor.signIn(cookie);
		const png = (name) => join(out, `${name}.png`);
		const written = [];
		const step = async (title, fn) => {
			report.section(title);
			try {
				await fn();
			} catch (error) {
				const seen = join(workDir, `${title.replace(/\W+/g, '-')}.failed.png`);
				await editor.page?.screenshot({ path: seen }).catch(() => undefined);
				report.check(false, `${title}: ${error.message.split('\n')[0]}`, `what the page showed: ${seen}`);
			}
		};
		const shoot = async (name, fn) => {
			await fn(png(name));
			written.push(png(name));
		};

		await step('Node panel', () => shoot('node-panel', (file) => checks.nodeSearch(editor, report, { operations, file })));
		await step('Canvas subtitles', () => checks.canvasSubtitles(editor, report, { workflowId: ids.subtitles, nodes: subtitles.nodes }));
		await step('Credential dialog: Test per auth method', async () => {
			await checks.credentialTests(editor, report, { emulatorUrl: emulator.url, users: emulator.users, wrongKeyMessage: wrongKeyMessageOf(staging) });
			await checks.credentialRedirect(editor, report, { apiKey: emulator.users.apiUser.apiKey });
			await shoot('credential', (file) => shots.credentialDialog(editor, { file, name: 'EspoCRM account' }));
		});
		await step('Dropdowns and record search (loaded from EspoCRM through the node)', async () => {
			await checks.dropdowns(editor, report, { linkWorkflowId: ids.linkLists, appendWorkflowId: ids.appendLists, linkNodeId: lists.linkNodeId, appendNodeId: lists.appendNodeId, expected });
			await shoot('node-operations', (file) => shots.operationList(editor, { workflowId: ids.webhook, nodeId: webhook.espoNodeId, file }));
		});
		await step('Execute step: Upload and Link to File Field (webhook → new Document)', async () => {
			await shoot('node-upload-link', (file) => shots.uploadLinkPanel(editor, {
				workflowId: ids.webhook, nodeId: webhook.espoNodeId, file,
				afterRun: async (page, output) => {
					const { list } = await espo(emulator, 'Document?where[0][type]=equals&where[0][attribute]=name&where[0][value]=Contract%20ACME');
					report.check(list.length === 1 && Boolean(list[0].fileId), 'EspoCRM holds one new Document "Contract ACME" with a file', JSON.stringify(list.map((d) => ({ id: d.id, fileId: d.fileId }))));
					const [document] = list;
					if (!document) return;
					report.check((await output.getByText(document.id).count()) > 0, `the output item shows the record id EspoCRM stored (${document.id})`);
					report.check((await output.getByText(document.fileId).count()) > 0, `…and the attachment id on the record (${document.fileId})`);
					const shown = await checks.inputBinaryNames(page, ['contract-acme.pdf']);
					report.check(shown.length === 1, 'the input pane shows the uploaded binary contract-acme.pdf', `shown: ${JSON.stringify(shown)}`);
				},
			}));
		});
		let appendPage;
		await step('Execute step: Upload and Append to Attachment-Multiple Field (email → Case)', async () => {
			const before = await espo(emulator, `Case/${emulator.seed.caseId}`);
			await shoot('node-append', async (file) => {
				appendPage = await shots.appendPanel(editor, {
					workflowId: ids.email, nodeId: email.espoNodeId, file,
					afterRun: async (page, output) => {
						const after = await espo(emulator, `Case/${emulator.seed.caseId}`);
						const added = after.attachmentsIds.filter((id) => !before.attachmentsIds.includes(id));
						report.check(added.length === 2 && before.attachmentsIds.every((id) => after.attachmentsIds.includes(id)), `the Case keeps its ${before.attachmentsIds.length} attachment(s) and gains 2`, JSON.stringify({ before: before.attachmentsIds, after: after.attachmentsIds }));
						const shownIds = [];
						for (const id of [emulator.seed.caseId, ...added]) if (await output.getByText(id).count()) shownIds.push(id);
						report.check(shownIds.length === 1 + added.length, `the output items show the Case id and both new attachment ids`, `shown: ${JSON.stringify(shownIds)}`);
						const shown = await checks.inputBinaryNames(page, ['damage-photo.jpg', 'damage-report.txt']);
						report.check(shown.length >= 1, 'the input pane shows the email\'s binaries', `shown: ${JSON.stringify(shown)}`);
					},
				});
			});
		});
		await step('Canvas after the run', async () => {
			await shoot('workflow-email-to-case', async (file) => {
				const page = appendPage ?? (await shots.appendPanel(editor, { workflowId: ids.email, nodeId: email.espoNodeId, file: join(workDir, 'append.png') }));
				await shots.workflowCanvas(editor, { page, file });
				const text = await page.locator('[data-test-id="canvas-node"][data-node-name="Append to the Case"]').innerText();
				report.check(text.includes('Upload and Append') && !text.includes('uploadToAttachmentMultiple'), 'the picture\'s node reads "Upload and Append" under "Append to the Case"', JSON.stringify(text));
			});
		});

		report.section('Screenshots');
		for (const file of written) {
			const bytes = statSync(file).size;
			const header = readFileSync(file).subarray(0, 24);
			report.check(bytes < MAX_SHOT_BYTES, `${opts['no-shots'] ? file : relative(REPO, file)}  ${header.readUInt32BE(16)}×${header.readUInt32BE(20)}  ${Math.round(bytes / 1024)} KB`);
		}
		if (editor.pageErrors.length) report.note(`page errors (not failures): ${editor.pageErrors.slice(0, 3).join(' | ')}`);
	} finally {
		await browser?.close().catch(() => undefined);
		for (const [what, proc] of running.reverse()) {
			if (opts.keep) {
				proc.leaveRunning();
				log(`--keep: ${what} still running, pid ${proc.pid} (stop: kill -- -${proc.pid})`);
			} else {
				await proc.stop();
			}
		}
	}
	const failed = report.summary(started);
	const total = report.count();
	console.log(`test:editor: ${total - failed} passed, ${failed} failed`);
	if (failed) {
		log(`logs kept: ${workDir}/n8n.log, ${workDir}/emulator.log`);
		process.exitCode = 1;
	} else if (!opts.keep) {
		rmSync(workDir, { recursive: true, force: true });
	}
}

main().catch((error) => {
	console.error(`test:editor: ${error.stack ?? error}`);
	process.exitCode = 1;
});
