// The workflows of the queue run: the webhook example as users import it, and small webhook
// workflows around this package's node for the other cases. All are imported and published before
// n8n starts (the CLI says changes do not reach a running n8n).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const NODE_TYPE = 'n8n-nodes-espocrm-attachments.espoCrmAttachment';

/** Credentials (encrypted by `n8n import:credentials` with the shared key), per emulator. */
export function credentials(emulators) {
	const { e84, e93 } = emulators;
	const list = [
		// The id the examples use: the webhook example runs against the 8.4 emulator.
		{ id: 'EspoCrmAccount01', name: 'EspoCRM account', type: 'espoCrmApi', data: apiKey(e84) },
		{ id: 'QueueHmac0000084', name: 'EspoCRM 8.4 (HMAC)', type: 'espoCrmApi', data: hmac(e84) },
		{ id: 'QueuePassword084', name: 'EspoCRM 8.4 (Username & Password)', type: 'espoCrmApi', data: password(e84) },
	];
	if (e93) list.push({ id: 'QueueApiKey00093', name: 'EspoCRM 9.3 (API key)', type: 'espoCrmApi', data: apiKey(e93) });
	return list;
}

const apiKey = (emulator) => ({ baseUrl: emulator.url, authMethod: 'apiKey', apiKey: emulator.users.apiUser.apiKey });
const hmac = (emulator) => ({
	baseUrl: emulator.url,
	authMethod: 'hmac',
	apiKey: emulator.users.hmacUser.apiKey,
	secretKey: emulator.users.hmacUser.secretKey,
	hmacFormat: 'hex',
});
const password = (emulator) => ({ baseUrl: emulator.url, authMethod: 'password', username: emulator.users.regularUser.userName, password: emulator.users.regularUser.password });

const credentialRef = (id, name) => ({ espoCrmApi: { id, name } });

function webhook(path, { method = 'POST', binaryResponse = false } = {}) {
	return {
		id: `${path}-hook`,
		name: 'Webhook',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: [0, 0],
		webhookId: `0e5a1c2d-7f00-4b00-8a00-${Buffer.from(path).toString('hex').padEnd(12, '0').slice(0, 12)}`,
		parameters: {
			httpMethod: method,
			path,
			responseMode: 'lastNode',
			...(binaryResponse ? { responseData: 'firstEntryBinary', responseBinaryPropertyName: 'data' } : {}),
			options: {},
		},
	};
}

function chain(id, name, nodes) {
	const connections = {};
	for (let i = 0; i < nodes.length - 1; i++) connections[nodes[i].name] = { main: [[{ node: nodes[i + 1].name, type: 'main', index: 0 }]] };
	nodes.forEach((node, i) => (node.position = [i * 260, 0]));
	return { id, name, active: false, nodes, connections, settings: { executionOrder: 'v1' }, pinData: {} };
}

const espoNode = (name, parameters, credential) => ({
	id: `${name.replace(/\W/g, '')}-node`,
	name,
	type: NODE_TYPE,
	typeVersion: 1,
	position: [0, 0],
	parameters: { resource: 'attachment', ...parameters },
	credentials: credential,
});

const byId = (expression) => ({ __rl: true, mode: 'id', value: expression });

/** examples/webhook-document.json, unchanged apart from its id (n8n needs one to publish it). */
export function webhookExample(repo) {
	return { ...JSON.parse(readFileSync(join(repo, 'examples', 'webhook-document.json'), 'utf8')), id: 'qWebhookDocument', active: false };
}
export const WEBHOOK_EXAMPLE_PATH = 'espocrm-document';

/**
 * POST two files (multipart) to `queue-append-<profile>?entityType=…&id=…` → Split Out the binaries
 * (as examples/email-to-case.json does) → Append to the record's `attachments`.
 */
export function appendWorkflow(profile, credential) {
	return chain(`qAppend${profile.replace('.', '')}`, `queue: append two files (EspoCRM ${profile})`, [
		webhook(`queue-append-${profile.replace('.', '')}`),
		{
			id: `split-${profile}`,
			name: 'One Item per File',
			type: 'n8n-nodes-base.splitOut',
			typeVersion: 1,
			position: [0, 0],
			parameters: { fieldToSplitOut: '$binary', include: 'allOtherFields', options: {} },
		},
		espoNode('Append to the Record', {
			operation: 'uploadToAttachmentMultiple',
			entityType: '={{ $json.query.entityType }}',
			field: 'attachments',
			recordMode: 'existing',
			recordId: byId('={{ $json.query.id }}'),
			binaryPropertyName: '={{ Object.keys($binary)[0] }}',
			options: {},
		}, credential),
	]);
}

/** GET `queue-download?id=…` → Download → the webhook answers with the file itself. */
export function downloadWorkflow(credential) {
	return chain('qDownload', 'queue: download an attachment', [
		webhook('queue-download', { method: 'GET', binaryResponse: true }),
		espoNode('Download', { operation: 'download', attachmentId: byId('={{ $json.query.id }}'), outputBinaryField: 'data', options: {} }, credential),
	]);
}

/** GET `queue-get-<auth>?id=…` → Get (the attachment's attributes), with one authentication method. */
export function getWorkflow(auth, credential) {
	return chain(`qGet${auth}`, `queue: get an attachment (${auth})`, [
		webhook(`queue-get-${auth.toLowerCase()}`, { method: 'GET' }),
		espoNode('Get', { operation: 'get', attachmentId: byId('={{ $json.query.id }}'), options: {} }, credential),
	]);
}

/** The webhooks of these workflows: `{ path, method }`. */
export function webhooksOf(workflows) {
	return workflows.flatMap((workflow) => workflow.nodes.filter((node) => node.type === 'n8n-nodes-base.webhook').map((node) => ({ path: node.parameters.path, method: node.parameters.httpMethod ?? 'GET' })));
}

/** Every workflow of a run. */
export function allWorkflows(repo, { withAppends93 }) {
	const c = (id, name) => credentialRef(id, name);
	const list = [
		webhookExample(repo),
		appendWorkflow('8.4', c('EspoCrmAccount01', 'EspoCRM account')),
		downloadWorkflow(c('EspoCrmAccount01', 'EspoCRM account')),
		getWorkflow('ApiKey', c('EspoCrmAccount01', 'EspoCRM account')),
		getWorkflow('Hmac', c('QueueHmac0000084', 'EspoCRM 8.4 (HMAC)')),
		getWorkflow('Password', c('QueuePassword084', 'EspoCRM 8.4 (Username & Password)')),
	];
	if (withAppends93) list.push(appendWorkflow('9.3', c('QueueApiKey00093', 'EspoCRM 9.3 (API key)')));
	return list;
}
