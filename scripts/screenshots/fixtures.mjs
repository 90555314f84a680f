// What the pictures show: the repo's example workflows, unchanged except for the credential ids
// (those n8n gave the credentials created here) and pinned trigger output, so "Execute step" runs
// without a real mailbox or a real webhook call. All names, addresses and keys are fake.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const OWNER = { email: 'owner@example.com', firstName: 'Demo', lastName: 'Owner', password: 'Screenshots-0nly-Passw0rd' };

/** Shown in the credential dialog: typed into a NEW credential that is never saved. */
export const FAKE_HMAC = {
	baseUrl: 'https://crm.example.com',
	apiKey: '0123456789abcdef0123456789abcdef',
	secretKey: 'fedcba9876543210fedcba9876543210',
};

export const FAKE_IMAP = { user: 'support@example.com', password: 'not-a-real-password', host: 'imap.example.com', port: 993, secure: true };

const file = (fileName, mimeType, content) => {
	const data = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
	return { data: data.toString('base64'), mimeType, fileName, fileExtension: fileName.split('.').pop(), fileSize: `${data.length} B` };
};

const CONTRACT = file('contract-acme.pdf', 'application/pdf', '%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');

/** What the Webhook node emits for `curl -F file=@contract-acme.pdf -F name=… -F publishDate=…`. */
const webhookItems = () => [
	{
		json: {
			headers: { host: 'n8n.example.com', 'content-type': 'multipart/form-data; boundary=----demo' },
			params: {},
			query: {},
			body: { name: 'Contract ACME', publishDate: '2026-01-31' },
			webhookUrl: 'https://n8n.example.com/webhook/espocrm-document',
			executionMode: 'production',
		},
		binary: { file: CONTRACT },
	},
];

/** What the IMAP trigger (simple format, attachments downloaded) emits for one reply to a Case. */
const emailItems = (caseId) => [
	{
		json: {
			subject: `Re: [Case ${caseId}] Water damage in the warehouse`,
			from: 'Customer <customer@example.com>',
			to: 'support@example.com',
			date: '2026-01-31T09:12:00.000Z',
			textPlain: 'Hello, the photo and our report are attached.',
		},
		binary: {
			attachment_0: file('damage-photo.jpg', 'image/jpeg', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(' demo photo '.repeat(40)), Buffer.from([0xff, 0xd9])])),
			attachment_1: file('damage-report.txt', 'text/plain', 'Damage report\n\nDate: 2026-01-31\nWater damage in the warehouse, shelves 3-5.\n'),
		},
	},
];

function example(repoDir, name) {
	return JSON.parse(readFileSync(join(repoDir, 'examples', name), 'utf8'));
}

/** The example as the body of POST /rest/workflows, its credentials pointed at `credentials`. */
function forRest(workflow, credentials, pinData) {
	const nodes = workflow.nodes.map((node) => {
		if (!node.credentials) return node;
		const mapped = Object.fromEntries(
			Object.entries(node.credentials).map(([type, ref]) => [type, credentials[type] ? { id: credentials[type].id, name: credentials[type].name } : ref]),
		);
		return { ...node, credentials: mapped };
	});
	return { name: workflow.name, nodes, connections: workflow.connections, settings: workflow.settings ?? { executionOrder: 'v1' }, pinData };
}

const nodeId = (workflow, name) => {
	const node = workflow.nodes.find((n) => n.name === name);
	if (!node) throw new Error(`${workflow.name}: no node "${name}"`);
	return node.id;
};

export function webhookDocumentWorkflow(repoDir, credentials) {
	const workflow = example(repoDir, 'webhook-document.json');
	return {
		body: forRest(workflow, credentials, { Webhook: webhookItems() }),
		espoNodeId: nodeId(workflow, 'Upload to a New Document'),
	};
}

export function emailToCaseWorkflow(repoDir, credentials, caseId) {
	const workflow = example(repoDir, 'email-to-case.json');
	return {
		body: forRest(workflow, credentials, { 'Email Trigger (IMAP)': emailItems(caseId) }),
		espoNodeId: nodeId(workflow, 'Append to the Case'),
	};
}
