// The example workflow files, and the runnable variants the e2e derives from them. `n8n execute`
// only starts at a Manual Trigger, so a trigger that needs the outside world (webhook, IMAP) is
// replaced by a Manual Trigger plus a Code node that emits the items the trigger would emit, under
// the trigger's name: everything after it (Split Out, HTTP Request, this package's node) is the
// example itself. Same idea as runWorkflow in test/harness/workflow.ts, in real n8n.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CREDENTIAL = { id: 'EspoCrmAccount01', name: 'EspoCRM account' }; // as in examples/*.json

export function loadExamples(examplesDir) {
	return readdirSync(examplesDir)
		.filter((file) => file.endsWith('.json'))
		.sort()
		.map((file) => ({ file, workflow: JSON.parse(readFileSync(join(examplesDir, file), 'utf8')) }));
}

const copy = (value) => structuredClone(value);

/** Items as a Code node returns them: binaries inline, base64. */
function codeNodeItems(items) {
	return items.map(({ json = {}, binary }) => ({
		json,
		...(binary
			? { binary: Object.fromEntries(Object.entries(binary).map(([key, f]) => [key, { data: f.data.toString('base64'), mimeType: f.mimeType, fileName: f.fileName }])) }
			: {}),
	}));
}

/** `replace` and every node before it give way to Manual Trigger → Code node (named `replace`). */
export function withStandIn(workflow, { id, replace, items }) {
	const out = copy(workflow);
	out.id = id;
	const upstream = new Set([replace]);
	for (let grew = true; grew; ) {
		grew = false;
		for (const [source, byType] of Object.entries(out.connections)) {
			const feeds = (byType.main ?? []).flat().some((c) => c && upstream.has(c.node));
			if (feeds && !upstream.has(source)) {
				upstream.add(source);
				grew = true;
			}
		}
	}
	const original = out.nodes.find((node) => node.name === replace);
	if (!original) throw new Error(`${workflow.name} has no node "${replace}"`);
	const outgoing = out.connections[replace];
	out.nodes = out.nodes.filter((node) => !upstream.has(node.name));
	for (const name of upstream) delete out.connections[name];
	const [x, y] = original.position;
	out.nodes.push(
		{ id: 'e2e-start', name: 'Start (e2e)', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [x - 220, y], parameters: {} },
		{
			id: 'e2e-items', name: replace, type: 'n8n-nodes-base.code', typeVersion: 2, position: [x, y],
			parameters: { jsCode: `// Stands in for "${replace}" (${original.type})\nreturn ${JSON.stringify(codeNodeItems(items))};` },
		},
	);
	out.connections['Start (e2e)'] = { main: [[{ node: replace, type: 'main', index: 0 }]] };
	if (outgoing) out.connections[replace] = outgoing;
	return out;
}

/** The schedule trigger becomes a Manual Trigger of the same name; HTTP requests go to `baseUrl`. */
export function runnableNow(workflow, { id, trigger, baseUrl, credential = CREDENTIAL }) {
	const out = copy(workflow);
	out.id = id;
	for (const node of out.nodes) {
		if (node.name === trigger) Object.assign(node, { type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, parameters: {} });
		if (node.type === 'n8n-nodes-base.httpRequest') node.parameters.url = node.parameters.url.replace('https://crm.example.com', baseUrl);
		if (node.credentials?.espoCrmApi) node.credentials.espoCrmApi = credential;
	}
	return out;
}

/**
 * What `n8n import:workflow` does not check: every node's type and typeVersion exist in this n8n,
 * and every parameter name is one of that version's parameters.
 */
export function problemsAgainst(nodeTypes, workflow) {
	const problems = [];
	for (const node of workflow.nodes) {
		const description = nodeTypes.find((d) => d.name === node.type && [d.version].flat().includes(node.typeVersion));
		if (!description) {
			const known = nodeTypes.filter((d) => d.name === node.type).flatMap((d) => [d.version].flat());
			problems.push(`"${node.name}": ${node.type} v${node.typeVersion} ${known.length ? `unknown (this n8n has v${known.join(', v')})` : 'is not a known node type'}`);
			continue;
		}
		const names = new Set(description.properties.map((p) => p.name));
		const unknown = Object.keys(node.parameters ?? {}).filter((name) => !names.has(name));
		if (unknown.length) problems.push(`"${node.name}": unknown parameter(s) ${unknown.join(', ')}`);
	}
	return problems;
}
