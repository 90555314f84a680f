// The pictures, taken in the real n8n editor with headless Chromium. Each shot gets a fresh page,
// checks that it is not on the sign-in page and that no error toast is showing, then saves a PNG.
import { FAKE_HMAC } from './fixtures.mjs';

const LAUNCH_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--hide-scrollbars',
];

export async function launchBrowser({ playwrightCore, chromiumPath, userDataDir }) {
	const { chromium } = await import(playwrightCore);
	return await chromium.launchPersistentContext(userDataDir, {
		executablePath: chromiumPath,
		headless: true,
		args: LAUNCH_ARGS,
		viewport: { width: 1280, height: 800 },
		deviceScaleFactor: 1,
		colorScheme: 'light',
		locale: 'en-US',
		timezoneId: 'UTC',
		reducedMotion: 'reduce',
	});
}

export class Editor {
	constructor(context, baseUrl, log) {
		this.context = context;
		this.baseUrl = baseUrl;
		this.log = log;
		this.pageErrors = [];
	}

	async signIn(cookie) {
		const expires = Math.floor(Date.now() / 1000) + 24 * 3600;
		await this.context.addCookies([{ name: 'n8n-auth', value: cookie, url: this.baseUrl, httpOnly: true, sameSite: 'Lax', expires }]);
	}

	/** A fresh page at `path`, checked to be the editor and not the sign-in page. */
	async open(path, viewport = { width: 1280, height: 800 }) {
		// The new page first: closing a persistent context's last page ends its session.
		const old = this.context.pages();
		const page = await this.context.newPage();
		for (const previous of old) await previous.close({ runBeforeUnload: false });
		this.page = page;
		await page.setViewportSize(viewport);
		page.on('pageerror', (error) => this.pageErrors.push(`${path}: ${error.message}`));
		await page.goto(`${this.baseUrl}${path}`, { waitUntil: 'domcontentloaded' });
		await page.waitForLoadState('load');
		await this.assertSignedIn(page, path);
		return page;
	}

	/** The editor redirects to /signin on the client side, a moment after `load`. */
	async assertSignedIn(page, what) {
		const signIn = page.locator('input[name="emailOrLdapLoginId"], [data-test-id="signin-form"]');
		const deadline = Date.now() + 3_000;
		while (Date.now() < deadline) {
			if (/\/(signin|setup)\b/.test(new URL(page.url()).pathname) || (await signIn.count())) {
				throw new Error(`${what}: n8n shows its sign-in page (${page.url()}): the session cookie was not accepted`);
			}
			await page.waitForTimeout(250);
		}
	}

	/**
	 * Closes the toasts (throwing on an error toast), moves the mouse out of the way and saves the
	 * picture after one more check for the sign-in form.
	 */
	async shoot(page, file, { clip } = {}) {
		await closeToasts(page);
		if (/\/(signin|setup)\b/.test(new URL(page.url()).pathname) || (await page.locator('input[name="emailOrLdapLoginId"]').count())) {
			throw new Error(`${file}: the sign-in page is showing`);
		}
		await page.waitForTimeout(400);
		await page.screenshot({ path: file, clip, animations: 'disabled', caret: 'hide' });
		this.log(`saved ${file}`);
	}
}

export async function closeToasts(page) {
	const toasts = page.locator('.el-notification');
	const deadline = Date.now() + 15_000;
	while ((await toasts.count()) > 0) {
		for (const toast of await toasts.all()) {
			const text = (await toast.innerText().catch(() => '')).replace(/\s+/g, ' ').trim();
			const isError = await toast.evaluate((el) => Boolean(el.querySelector('.el-notification--error'))).catch(() => false);
			if (isError) throw new Error(`an error toast is showing: "${text}"`);
			await toast.locator('.el-notification__closeBtn').click({ timeout: 2_000 }).catch(() => undefined);
		}
		if (Date.now() > deadline) {
			// None of them is an error (checked above): hide what a busy page did not close in time.
			await page.addStyleTag({ content: '.el-notification { display: none !important; }' });
			return;
		}
		await page.waitForTimeout(300);
	}
}

export const param = (page, name) => page.locator(`[data-test-id="parameter-input-${name}"]`);

/** Waits until the select `name` shows `label` (options loaded from EspoCRM through the node). */
export async function waitForSelectLabel(page, name, label) {
	const input = param(page, name).locator('input').first();
	const deadline = Date.now() + 20_000;
	let last;
	while (Date.now() < deadline) {
		last = await input.inputValue().catch(() => undefined);
		if (last === label) return;
		await page.waitForTimeout(250);
	}
	throw new Error(`parameter ${name} shows "${last}", expected "${label}"`);
}

export async function openNodePanel(editor, workflowId, nodeId, viewport) {
	const page = await editor.open(`/workflow/${workflowId}/${nodeId}`, viewport);
	// n8n opens a workflow read-only (no "Execute step") while the page closed just before still
	// holds it for editing; the hold ends within seconds, so load the page again.
	for (let attempt = 1; ; attempt++) {
		await page.locator('[data-test-id="ndv"]').waitFor({ state: 'visible', timeout: 60_000 });
		await param(page, 'operation').waitFor({ timeout: 30_000 });
		const editable = await page.locator('[data-test-id="node-execute-button"]').first().waitFor({ timeout: 10_000 }).then(() => true, () => false);
		if (editable || attempt === 4) return page;
		editor.log(`workflow ${workflowId} opened read-only (attempt ${attempt}); reloading`);
		await page.waitForTimeout(5_000);
		await page.reload({ waitUntil: 'load' });
	}
}

/** "Execute step" in the panel, then the output as JSON; throws when the node run failed. */
async function executeStep(page) {
	await page.locator('[data-test-id="node-execute-button"]').click();
	const output = page.locator('[data-test-id="output-panel"]');
	await output.locator('[data-test-id="radio-button-json"]').waitFor({ timeout: 60_000 });
	const error = output.locator('[data-test-id="node-error-message"], .node-error-view, [class*="errorView"]');
	if (await error.count()) throw new Error(`Execute step failed: ${(await error.first().innerText()).slice(0, 300)}`);
	await output.locator('[data-test-id="radio-button-json"]').click();
	return output;
}

/** 1. The parameter panel on "Upload and Link to File Field", after a real run against the emulator. */
export async function uploadLinkPanel(editor, { workflowId, nodeId, file, afterRun }) {
	const page = await openNodePanel(editor, workflowId, nodeId, { width: 1280, height: 880 });
	await waitForSelectLabel(page, 'operation', 'Upload and Link to File Field');
	await waitForSelectLabel(page, 'entityType', 'Document');
	await waitForSelectLabel(page, 'field', 'file (File)');
	await waitForSelectLabel(page, 'recordMode', 'New Record');
	const output = await executeStep(page);
	await output.getByText('"Contract ACME"').first().waitFor({ timeout: 10_000 });
	await showBinaryInput(page);
	await afterRun?.(page, output);
	await page.mouse.move(640, 45);
	await editor.shoot(page, file);
}

/** 2. The panel on "Upload and Append to Attachment-Multiple Field" for a Case; returns the page. */
export async function appendPanel(editor, { workflowId, nodeId, file, afterRun }) {
	const page = await openNodePanel(editor, workflowId, nodeId, { width: 1280, height: 800 });
	await waitForSelectLabel(page, 'operation', 'Upload and Append to Attachment-Multiple Field');
	await waitForSelectLabel(page, 'entityType', 'Case');
	await waitForSelectLabel(page, 'field', 'attachments (Attachment-Multiple)');
	const output = await executeStep(page);
	await output.getByText('"damage-report.txt"').first().waitFor({ timeout: 10_000 });
	await showBinaryInput(page);
	await afterRun?.(page, output);
	await page.mouse.move(640, 45);
	await editor.shoot(page, file);
	return page;
}

/** The input pane on its Binary tab (the file the node uploads), when there is one. */
async function showBinaryInput(page) {
	const input = page.locator('[data-test-id="ndv-input-panel"]');
	const binary = input.getByText('Binary', { exact: true });
	if (await binary.count()) await binary.first().click();
}

/** 3. The whole workflow on the canvas after that run (continues on the page of appendPanel). */
export async function workflowCanvas(editor, { page, file }) {
	await page.locator('[data-test-id="ndv-close-button"]').click();
	await page.locator('[data-test-id="ndv"]').waitFor({ state: 'hidden' });
	await page.locator('[data-test-id="zoom-to-fit"]').click();
	await page.waitForTimeout(800);
	await page.mouse.move(1270, 400);
	await editor.shoot(page, file);
}

/** 4. The operation list of the node, opened (its scroll area unclipped so all entries show). */
export async function operationList(editor, { workflowId, nodeId, file }) {
	const page = await openNodePanel(editor, workflowId, nodeId, { width: 1280, height: 960 });
	await waitForSelectLabel(page, 'field', 'file (File)');
	await page.addStyleTag({ content: '.el-select-dropdown__wrap.el-scrollbar__wrap { max-height: none !important; }' });
	await param(page, 'operation').click();
	const list = page.locator('.el-select-dropdown:visible').first();
	await list.getByText('Upload and Append to Attachment-Multiple Field').waitFor();
	await page.mouse.move(1100, 900);
	await page.waitForTimeout(300);
	if (!(await list.isVisible())) throw new Error('the operation list closed before the picture');
	await editor.shoot(page, file);
}

/** 5. A NEW "EspoCRM API" credential with HMAC chosen and fake values typed in (never saved). */
export async function credentialDialog(editor, { file, name }) {
	const page = await editor.open('/home/credentials/create');
	const search = page.getByPlaceholder('Search for app...');
	await search.waitFor({ timeout: 15_000 });
	await search.fill('EspoCRM');
	await page.locator('.el-select-dropdown__item:visible', { hasText: /^EspoCRM API$/ }).first().click();
	await page.getByRole('button', { name: 'Continue' }).click();
	await param(page, 'baseUrl').locator('input').fill(FAKE_HMAC.baseUrl);
	await param(page, 'authMethod').click();
	await page.locator('.el-select-dropdown__item:visible', { hasText: /^HMAC/ }).first().click();
	await param(page, 'apiKey').locator('input').fill(FAKE_HMAC.apiKey);
	await param(page, 'secretKey').locator('input').fill(FAKE_HMAC.secretKey);
	await param(page, 'hmacFormat').waitFor();
	await waitForSelectLabel(page, 'hmacFormat', 'Hex (EspoCRM 8.4.1 and Later)');
	if (name) {
		await page.locator('[data-test-id="credential-name"] [data-test-id="inline-edit-preview"]').click();
		const input = page.locator('[data-test-id="credential-name"] input');
		await input.fill(name);
		await input.press('Enter');
	}
	await page.locator('[data-test-id="connection"]').click();
	await page.mouse.move(1270, 790);
	await editor.shoot(page, file);
}
