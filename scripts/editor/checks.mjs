// What `npm run test:editor` checks in the real n8n editor: each function drives the page as a
// person would (search, click, type, Save, Execute step) and reports what the page SHOWS through
// `report.check`. Selectors are n8n 2.41's data-test-ids (stable across its editor releases).
import { createServer } from 'node:http';
import { closeToasts, openNodePanel, param, waitForSelectLabel } from '../screenshots/shots.mjs';

const visibleOptions = (page) => page.locator('.el-select-dropdown__item:visible');

/** The texts of the options a select parameter offers once opened (loaded from EspoCRM through the node). */
async function optionsOf(page, name) {
	await param(page, name).locator('input').first().click();
	const items = visibleOptions(page);
	await items.first().waitFor({ timeout: 30_000 });
	await page.waitForTimeout(300);
	const names = [];
	for (const item of await items.all()) {
		// Each option shows its name; options with a description show it below the name.
		const first = (await item.innerText()).split('\n')[0].trim();
		if (first) names.push(first);
	}
	await page.keyboard.press('Escape');
	return names;
}

async function chooseOption(page, name, label) {
	await param(page, name).locator('input').first().click();
	await visibleOptions(page).filter({ hasText: label }).first().click();
	await waitForSelectLabel(page, name, label);
}

/** 1. The node panel: searching "EspoCRM" finds the node; opening it lists one action per operation. */
export async function nodeSearch(editor, report, { operations, file }) {
	const page = await editor.open('/workflow/new');
	await page.locator('[data-test-id="canvas-add-button"]').click({ timeout: 60_000 });
	await page.locator('[data-test-id="node-creator-search-bar"]').waitFor({ timeout: 30_000 });
	await page.locator('[data-test-id="node-creator-search-bar"]').fill('EspoCRM');
	const name = page.locator('[data-test-id="node-creator-item-name"]', { hasText: 'EspoCRM Attachment' });
	await name.first().waitFor({ timeout: 30_000 }).catch(() => undefined);
	const found = await page.locator('[data-test-id="node-creator-item-name"]').allInnerTexts();
	report.check(found.includes('EspoCRM Attachment'), 'searching "EspoCRM" in the node panel shows "EspoCRM Attachment"', `shown: ${JSON.stringify(found)}`);
	if (!found.includes('EspoCRM Attachment')) return;
	await name.first().click();
	const creator = page.locator('[data-test-id="node-creator"]');
	const header = creator.getByText(/^Actions \(\d+\)$/);
	await header.waitFor({ timeout: 30_000 });
	const headerText = (await header.innerText()).trim();
	const missing = [];
	for (const { action } of operations) if (!(await creator.getByText(action, { exact: true }).count())) missing.push(action);
	report.check(headerText === `Actions (${operations.length})` && missing.length === 0, `…opening it shows "Actions (${operations.length})", one per operation, each by its action name`, `shown: "${headerText}"${missing.length ? `; missing: ${JSON.stringify(missing)}` : ''}`);
	if (file) await editor.shoot(page, file);
}

/** 2. The canvas: under every node the subtitle names its operation. */
export async function canvasSubtitles(editor, report, { workflowId, nodes }) {
	const page = await editor.open(`/workflow/${workflowId}`);
	await page.locator('[data-test-id="canvas-node"]').first().waitFor({ timeout: 60_000 });
	await page.locator('[data-test-id="zoom-to-fit"]').click();
	await page.waitForTimeout(500);
	for (const { name, operation, subtitle } of nodes) {
		const text = await page.locator(`[data-test-id="canvas-node"][data-node-name="${name}"]`).innerText({ timeout: 10_000 }).catch(() => '');
		const lines = text.split('\n').map((line) => line.trim()).filter(Boolean);
		report.check(lines.includes(subtitle) && !lines.includes(operation), `canvas: the node set to ${operation} shows the subtitle "${subtitle}"`, `shown: ${JSON.stringify(lines)}`);
	}
}

/** Opens "Create credential → EspoCRM API", fills it in, saves; returns what the dialog's test banner says. */
async function createCredential(editor, { baseUrl, authMethodLabel, fields, name }) {
	const page = await editor.open('/home/credentials/create');
	const search = page.getByPlaceholder('Search for app...');
	await search.waitFor({ timeout: 60_000 });
	await search.fill('EspoCRM');
	await page.locator('.el-select-dropdown__item:visible', { hasText: /^EspoCRM API$/ }).first().click();
	await page.getByRole('button', { name: 'Continue' }).click();
	await param(page, 'baseUrl').locator('input').fill(baseUrl);
	if (authMethodLabel !== 'API Key') {
		await param(page, 'authMethod').click();
		await page.locator('.el-select-dropdown__item:visible', { hasText: authMethodLabel }).first().click();
		await waitForSelectLabel(page, 'authMethod', authMethodLabel);
	}
	for (const [field, value] of Object.entries(fields)) await param(page, field).locator('input').fill(value);
	await page.locator('[data-test-id="credential-name"] [data-test-id="inline-edit-preview"]').click();
	const nameInput = page.locator('[data-test-id="credential-name"] input');
	await nameInput.fill(name);
	await nameInput.press('Enter');
	await page.locator('[data-test-id="credential-save-button"]').click();
	const container = page.locator('[data-test-id="node-credentials-config-container"]');
	const success = page.locator('[data-test-id="credentials-config-container-test-success"]:visible');
	const failure = container.getByText(/Couldn.t connect with these settings/);
	await Promise.race([success.waitFor({ timeout: 60_000 }), failure.waitFor({ timeout: 60_000 })]).catch(() => undefined);
	if (await success.count()) return { ok: true, text: (await success.innerText()).replace(/\s+/g, ' ').trim(), page };
	if (await failure.count()) {
		const details = container.getByText('More details');
		if (await details.count()) await details.first().click();
		await page.waitForTimeout(300);
		return { ok: false, text: (await container.innerText()).replace(/\s+/g, ' ').trim(), page };
	}
	return { ok: undefined, text: (await container.innerText().catch(() => '')).replace(/\s+/g, ' ').trim(), page };
}

/** 3. The credential dialog: Save runs n8n's credential test; per auth method, and a wrong key. */
export async function credentialTests(editor, report, { emulatorUrl, users, wrongKeyMessage }) {
	const cases = [
		{ label: 'API Key', fields: { apiKey: users.apiUser.apiKey }, expect: true },
		{ label: 'HMAC', fields: { apiKey: users.hmacUser.apiKey, secretKey: users.hmacUser.secretKey }, expect: true },
		{ label: 'Username & Password', fields: { username: users.admin.userName, password: users.admin.password }, expect: true },
	];
	for (const [index, { label, fields }] of cases.entries()) {
		const result = await createCredential(editor, { baseUrl: emulatorUrl, authMethodLabel: label, fields, name: `Editor test ${index + 1} (${label})` });
		report.check(result.ok === true, `credential dialog, ${label}: Save → "Connection tested successfully"`, `the dialog shows: ${result.text.slice(0, 300)}`);
	}
	const wrong = await createCredential(editor, { baseUrl: emulatorUrl, authMethodLabel: 'API Key', fields: { apiKey: 'not-the-right-key-0000' }, name: 'Editor test (wrong key)' });
	report.check(wrong.ok === false && wrong.text.includes(wrongKeyMessage), 'credential dialog, a wrong API key: "Couldn\'t connect" with the mapped message', `the dialog shows: ${wrong.text.slice(0, 400)}`);
	report.check(!wrong.text.includes('not-the-right-key-0000'), '…and the message does not repeat the key');
}

/**
 * 3b. A Base URL that redirects to another host (issue #10): the dialog's test fails and names that
 * host (scheme://host:port, nothing of the Location's path or query), and that host gets no request.
 */
export async function credentialRedirect(editor, report, { apiKey }) {
	const seen = [];
	const listen = (handler) => new Promise((resolve) => {
		const server = createServer(handler);
		server.listen(0, '127.0.0.1', () => resolve(server));
	});
	const other = await listen((req, res) => {
		seen.push(`${req.method} ${req.url}`);
		res.setHeader('Content-Type', 'application/json');
		res.end('{"user":{"id":"x"}}');
	});
	const otherOrigin = `http://localhost:${other.address().port}`;
	const redirecting = await listen((req, res) => {
		res.statusCode = 302;
		res.setHeader('Location', `${otherOrigin}/api/v1/App/user?token=from-the-location`);
		res.end();
	});
	try {
		const result = await createCredential(editor, {
			baseUrl: `http://127.0.0.1:${redirecting.address().port}`, authMethodLabel: 'API Key', fields: { apiKey }, name: 'Editor test (redirect)',
		});
		report.check(result.ok === false && result.text.includes(`redirect (302) to another host, ${otherOrigin}`), `credential dialog, a Base URL that redirects: "Couldn't connect" naming ${otherOrigin}`, `the dialog shows: ${result.text.slice(0, 500)}`);
		report.check(!result.text.includes('from-the-location') && !result.text.includes(apiKey), '…without the Location\'s query string or the key');
		report.check(seen.length === 0, `…and ${otherOrigin} received no request`, `it received: ${JSON.stringify(seen)}`);
	} finally {
		other.close();
		redirecting.close();
	}
}

const openNode = openNodePanel;

/** 4. Dropdowns: entity types and fields from EspoCRM's metadata; the record list searches by name. */
export async function dropdowns(editor, report, { linkWorkflowId, appendWorkflowId, linkNodeId, appendNodeId, expected }) {
	let page = await openNode(editor, linkWorkflowId, linkNodeId);
	const linkEntityTypes = await optionsOf(page, 'entityType');
	report.check(same(linkEntityTypes, expected.fileEntityTypes), `Upload and Link: Entity Type lists the emulator's entity types with a File/Image field ${JSON.stringify(expected.fileEntityTypes)}`, `shown: ${JSON.stringify(linkEntityTypes)}`);
	await chooseOption(page, 'entityType', 'CInspection');
	const linkFields = await optionsOf(page, 'field');
	report.check(same(linkFields, expected.fileFields), `Upload and Link on CInspection: Field lists only its File/Image fields ${JSON.stringify(expected.fileFields)}`, `shown: ${JSON.stringify(linkFields)}`);

	page = await openNode(editor, appendWorkflowId, appendNodeId);
	const appendEntityTypes = await optionsOf(page, 'entityType');
	report.check(same(appendEntityTypes, expected.multipleEntityTypes), `Upload and Append: Entity Type lists the emulator's entity types with an Attachment-Multiple field ${JSON.stringify(expected.multipleEntityTypes)}`, `shown: ${JSON.stringify(appendEntityTypes)}`);
	await chooseOption(page, 'entityType', 'CInspection');
	const appendFields = await optionsOf(page, 'field');
	report.check(same(appendFields, expected.multipleFields), `Upload and Append on CInspection: Field lists only its Attachment-Multiple fields ${JSON.stringify(expected.multipleFields)}`, `shown: ${JSON.stringify(appendFields)}`);
	await chooseOption(page, 'entityType', 'Case');

	// The record locator in "From List" mode: open it, read the list, type part of a name, read it again.
	const locator = param(page, 'recordId');
	await locator.locator('[data-test-id="rlc-input"]').click();
	const search = page.locator('[data-test-id="rlc-search"]:visible');
	await search.waitFor({ timeout: 30_000 });
	const items = page.locator('[data-test-id="rlc-item"]:visible');
	await items.first().waitFor({ timeout: 30_000 }).catch(() => undefined);
	const all = (await items.allInnerTexts()).map((text) => text.split('\n')[0].trim());
	report.check(same(all, expected.allCases), `Record → From List on Case lists every Case ${JSON.stringify(expected.allCases)}`, `shown: ${JSON.stringify(all)}`);
	const searchInput = (await search.evaluate((el) => el.tagName)) === 'INPUT' ? search : search.locator('input').first();
	await searchInput.fill(expected.searchTerm);
	const deadline = Date.now() + 30_000;
	let shown = [];
	while (Date.now() < deadline) {
		shown = (await items.allInnerTexts()).map((text) => text.split('\n')[0].trim());
		if (shown.length === 1) break;
		await page.waitForTimeout(300);
	}
	report.check(shown.length === 1 && shown[0] === expected.recordName, `…searching "${expected.searchTerm}" leaves exactly "${expected.recordName}"`, `shown: ${JSON.stringify(shown)}`);
	if (shown.includes(expected.recordName)) {
		await items.filter({ hasText: expected.recordName }).first().click();
		await page.waitForTimeout(500);
		const value = await locator.locator('[data-test-id="rlc-input"]').inputValue();
		report.check(value === expected.recordName, `…picking it shows "${expected.recordName}" in the Record field`, `shown: "${value}"`);
	}
	await closeToasts(page).catch(() => undefined);
}

const same = (a, b) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

/** "Execute step" in the open panel; returns the output panel (its JSON view) or throws with the error shown. */
export async function executeStep(page) {
	await page.locator('[data-test-id="node-execute-button"]').click();
	const output = page.locator('[data-test-id="output-panel"]');
	await output.locator('[data-test-id="radio-button-json"], [data-test-id="node-error-message"]').first().waitFor({ timeout: 120_000 });
	const error = output.locator('[data-test-id="node-error-message"], .node-error-view');
	if (await error.count()) throw new Error(`Execute step failed: ${(await error.first().innerText()).slice(0, 300)}`);
	await output.locator('[data-test-id="radio-button-json"]').click();
	return output;
}

/** The input pane's binary view: the file names it shows. */
export async function inputBinaryNames(page, fileNames) {
	const input = page.locator('[data-test-id="ndv-input-panel"]');
	const binaryTab = input.getByText('Binary', { exact: true });
	if (await binaryTab.count()) await binaryTab.first().click();
	const shown = [];
	for (const name of fileNames) if (await input.getByText(name).count()) shown.push(name);
	return shown;
}
