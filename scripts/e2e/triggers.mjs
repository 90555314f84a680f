// The two trigger nodes in a real n8n (`n8n start`): the webhook trigger of
// examples/new-document-copy-to-case.json registers its EspoCRM webhooks on activation, a delivery of
// EspoCRM's queue job starts an execution (the archive Case gets the new Document's file), and
// deactivation through n8n's REST API deletes the webhooks; the polling trigger starts an execution for
// a file linked through the relationship endpoint (which raises no webhook).
import { sha256 } from '../demo/scenario.mjs';
import { CREDENTIAL } from './workflows.mjs';

const OWNER = { email: 'e2e-owner@example.com', firstName: 'E2E', lastName: 'Owner', password: 'E2e-owner-password-1' };

async function waitFor(condition, timeoutMs, stepMs = 1000) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const value = await condition().catch(() => undefined);
		if (value) return value;
		await new Promise((resolve) => setTimeout(resolve, stepMs));
	}
	return undefined;
}

function espoApi(emulator) {
	const apiKey = emulator.users.apiUser.apiKey;
	return async (method, path, body) => {
		const response = await fetch(`${emulator.url}/api/v1/${path}`, {
			method,
			headers: { 'X-Api-Key': apiKey, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await response.text();
		if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${response.headers.get('x-status-reason') ?? ''}`);
		return text ? JSON.parse(text) : undefined;
	};
}

async function control(emulator, method, path, body) {
	const response = await fetch(`${emulator.url}/__emulator/${path}`, {
		method,
		headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	if (!response.ok) throw new Error(`${method} /__emulator/${path}: HTTP ${response.status}`);
	return await response.json();
}

async function upload(api, name, text, target) {
	const file = `data:text/plain;base64,${Buffer.from(text).toString('base64')}`;
	return (await api('POST', 'Attachment', { name, type: 'text/plain', role: 'Attachment', file, ...target })).id;
}

/** The archive Case's attachments (as EspoCRM holds them) that are not in `before`. */
async function newOnCase(emulator, caseId, before) {
	const record = await emulator.record('Case', caseId);
	return (record.attachmentsIds ?? []).filter((id) => !before.includes(id));
}

function pollingWorkflow(example, pkgName, caseId) {
	const append = structuredClone(example.nodes.find((n) => n.type === `${pkgName}.espoCrmAttachment`));
	append.parameters.recordId.value = caseId;
	append.parameters.options = {};
	return {
		id: 'e2ePollTrigger',
		name: 'e2e: new Task file (polling) → archive Case',
		nodes: [
			{
				id: 'b7e1c2d3-0000-4000-8000-00000000a001',
				name: 'New Task File',
				type: `${pkgName}.espoCrmFilePollTrigger`,
				typeVersion: 1,
				position: [0, 0],
				parameters: { pollTimes: { item: [{ mode: 'everyMinute' }] }, entityType: 'Task', fields: ['attachments'], events: ['created', 'added'], downloadFiles: true },
				credentials: { espoCrmApi: CREDENTIAL },
			},
			append,
		],
		connections: { 'New Task File': { main: [[{ node: append.name, type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

/** n8n's REST API as the editor uses it: owner set up (first start), signed in, then the workflow deactivated. */
async function deactivateThroughRest(baseUrl, workflowId) {
	let cookie;
	const rest = async (method, path, body) => {
		const response = await fetch(`${baseUrl}/rest${path}`, {
			method,
			headers: { 'content-type': 'application/json', ...(cookie ? { cookie: `n8n-auth=${cookie}` } : {}) },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await response.text();
		const auth = (response.headers.getSetCookie?.() ?? []).map((c) => /^n8n-auth=([^;]+)/.exec(c)?.[1]).find(Boolean);
		if (auth) cookie = auth;
		return { ok: response.ok, status: response.status, data: text ? JSON.parse(text).data : undefined, text };
	};
	await rest('POST', '/owner/setup', OWNER);
	const login = await rest('POST', '/login', { emailOrLdapLoginId: OWNER.email, password: OWNER.password });
	if (!login.ok) return `POST /rest/login: HTTP ${login.status} ${login.text.slice(0, 200)}`;
	const workflow = await rest('GET', `/workflows/${workflowId}`);
	const deactivate = await rest('POST', `/workflows/${workflowId}/deactivate`, {});
	if (deactivate.ok) return undefined;
	const patched = await rest('PATCH', `/workflows/${workflowId}`, { active: false, versionId: workflow.data?.versionId });
	return patched.ok ? undefined : `deactivate: HTTP ${deactivate.status} ${deactivate.text.slice(0, 200)}; PATCH: HTTP ${patched.status} ${patched.text.slice(0, 200)}`;
}

export async function triggerChecks({ n8n, emulator, report, example, pkgName }) {
	const api = espoApi(emulator);
	const caseId = emulator.seed.caseId;
	await control(emulator, 'POST', 'webhooks/grant', { user: 'apiUser' });
	const task = await api('POST', 'Task', { name: 'e2e task' });

	const webhookWorkflow = structuredClone(example);
	webhookWorkflow.id = 'e2eFileTrigger';
	webhookWorkflow.nodes.find((n) => n.type === `${pkgName}.espoCrmFileTrigger`).webhookId = '5e2e0000-0000-4000-8000-00000000f11e';
	webhookWorkflow.nodes.find((n) => n.type === `${pkgName}.espoCrmAttachment`).parameters.recordId.value = caseId;
	for (const workflow of [webhookWorkflow, pollingWorkflow(example, pkgName, caseId)]) {
		const imported = await n8n.importWorkflow(workflow);
		const activated = await n8n.cli(['update:workflow', `--id=${workflow.id}`, '--active=true']);
		report.check(imported.code === 0 && activated.code === 0, `${workflow.id} imported and set active`, activated.code === 0 ? '' : activated.stderr.slice(-300));
	}

	const server = await report.timed('n8n start (triggers)', () => n8n.start());
	try {
		const registered = await waitFor(async () => {
			const { webhooks } = await control(emulator, 'GET', 'webhooks');
			return webhooks.length >= 2 ? webhooks : undefined;
		}, 90_000);
		const events = (registered ?? []).map((w) => w.event).sort();
		const urls = [...new Set((registered ?? []).map((w) => w.url))];
		report.check(
			events.join(',') === 'Document.create,Document.fieldUpdate.file' && urls.length === 1 && urls[0].startsWith(server.baseUrl),
			'activation: the webhook trigger registered its EspoCRM webhooks (Document.create, Document.fieldUpdate.file) at n8n\'s URL',
			`${events.join(', ') || 'none'} → ${urls.join(', ')}`,
		);
		// The polling trigger's first poll (at activation) is its baseline: link the Task's file after it,
		// i.e. after EspoCRM saw its first listing of Tasks.
		const baseline = await waitFor(async () => (await control(emulator, 'GET', 'log')).some((e) => e.method === 'GET' && e.path === '/Task'), 90_000);
		report.check(baseline === true, 'activation: the polling trigger ran its first poll (the baseline: it lists the Tasks)', baseline ? '' : 'no GET /Task within 90 s');

		// Webhook: a new Document → EspoCRM's job → a delivery → an execution appends the file to the Case.
		let before = (await emulator.record('Case', caseId)).attachmentsIds ?? [];
		const fileId = await upload(api, 'contract-e2e.txt', 'the signed e2e contract\n', { relatedType: 'Document', field: 'file' });
		await api('POST', 'Document', { name: 'E2E contract', publishDate: '2026-11-29', fileId });
		const deliveries = await control(emulator, 'POST', 'webhooks/run-job');
		report.check(deliveries.length === 1 && deliveries[0].status === 200, 'EspoCRM\'s job delivered the Document.create event, n8n answered 200', deliveries.map((d) => `HTTP ${d.status}`).join(', '));
		const copied = await waitFor(async () => {
			const ids = await newOnCase(emulator, caseId, before);
			return ids.length ? ids : undefined;
		}, 60_000);
		const copy = copied ? await emulator.attachment(copied[0]) : undefined;
		report.check(
			copied?.length === 1 && copy?.sha256 === sha256(Buffer.from('the signed e2e contract\n')) && copy?.name === 'E2E contract – contract-e2e.txt',
			'the delivery started an execution: the archive Case got the Document\'s file, same sha256',
			copy ? `${copy.name}, sha256 ${copy.sha256.slice(0, 16)}` : 'nothing arrived on the Case within 60 s',
		);

		// Polling: a file linked to the Task through the relationship endpoint (no webhook exists for that).
		before = (await emulator.record('Case', caseId)).attachmentsIds ?? [];
		const photo = await upload(api, 'task-photo.txt', 'a photo of the e2e task\n', { parentType: 'Task', field: 'attachments' });
		await api('POST', `Task/${task.id}/attachments`, { id: photo });
		const polled = await waitFor(async () => {
			const ids = await newOnCase(emulator, caseId, before);
			return ids.length ? ids : undefined;
		}, 150_000, 2000);
		const polledCopy = polled ? await emulator.attachment(polled[0]) : undefined;
		report.check(
			polled?.length === 1 && polledCopy?.sha256 === sha256(Buffer.from('a photo of the e2e task\n')),
			'polling: a file linked through the relationship endpoint started an execution at the next poll (the Case got it)',
			polledCopy ? `${polledCopy.name}, sha256 ${polledCopy.sha256.slice(0, 16)}` : 'nothing arrived within 150 s',
		);

		// Deactivation (as the editor's toggle does): the webhooks are deleted in EspoCRM.
		const problem = await deactivateThroughRest(server.baseUrl, 'e2eFileTrigger');
		const gone = await waitFor(async () => ((await control(emulator, 'GET', 'webhooks')).webhooks.length === 0 ? true : undefined), 30_000);
		report.check(!problem && gone === true, 'deactivation through n8n\'s REST API deleted the webhooks in EspoCRM', problem ?? (gone ? '' : 'webhooks still registered after 30 s'));
	} finally {
		await server.stop();
	}
}
