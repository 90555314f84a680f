// Runs a whole n8n workflow file (an export, e.g. examples/*.json) in-process through n8n-core's
// WorkflowExecute. The trigger cannot fire here (no webhook server, no IMAP, no clock), so it is
// replaced by the harness's start node, which emits the given items under the trigger's own name:
// connections and expressions such as $('Webhook').item keep working. Everything after it runs as
// n8n would run it; only this package's nodes are available in-process.
import './env'; // first: sets N8N_USER_FOLDER before n8n-core loads

import { WorkflowExecute } from 'n8n-core';
import type { IConnections, INode, IWorkflowSettings } from 'n8n-workflow';
import { createRunExecutionData, NodeConnectionTypes, Workflow } from 'n8n-workflow';

import type { EspoCredentialData } from '../../credentials/espoCrmSigning';
import { additionalDataFor, binaryDataService, currentRun, INPUT_NODE_TYPE, nextExecutionId, nodeTypes, type RunContext } from './engine';
import { toOutputItem, toRunError } from './output';
import type { BinaryMode, InputItem, OutputItem, RunError } from './types';

/** What `n8n export:workflow` / "Download" writes (the parts a run needs). */
export interface WorkflowFile {
	id?: string;
	name: string;
	nodes: INode[];
	connections: IConnections;
	settings?: IWorkflowSettings;
}

export interface RunWorkflowOptions {
	/** The items the trigger would emit (binaries as bytes). Default one empty item. */
	triggerItems?: InputItem[];
	credentials: EspoCredentialData | null;
	/** Default 'filesystem', n8n 2.x's default. */
	binaryMode?: BinaryMode;
	/**
	 * The node whose output `triggerItems` stand for. Default: the workflow's trigger (its only node
	 * without a main input). Name a later node when the nodes before it cannot run in-process, e.g.
	 * n8n's Split Out: it and everything before it are left out.
	 */
	trigger?: string;
}

export interface WorkflowRunResult {
	status: string;
	/** The output of every node that ran (first run, first output), by node name. */
	nodes: Record<string, OutputItem[]>;
	lastNode?: string;
	/** The output of the last node that ran. */
	items: OutputItem[];
	error?: RunError & { node?: string };
	logs: string[];
	durationMs: number;
}

const SUB_NODE_OUTPUTS = new Set<string>(Object.values(NodeConnectionTypes).filter((type) => type !== NodeConnectionTypes.Main));

export async function runWorkflow(file: WorkflowFile, opts: RunWorkflowOptions): Promise<WorkflowRunResult> {
	const service = await binaryDataService();
	const context: RunContext = { binaryMode: opts.binaryMode ?? 'filesystem', logs: [], inputs: opts.triggerItems };
	return await currentRun.run(context, async () => {
		const started = Date.now();
		const trigger = findNode(file, opts.trigger ?? triggerOf(file));
		const kept = downstreamOf(file, trigger.name);
		for (const node of kept) assertRunnableInProcess(node);

		const start: INode = { id: trigger.id, name: trigger.name, type: INPUT_NODE_TYPE, typeVersion: 1, position: trigger.position, parameters: {} };
		const keptNames = new Set(kept.map((node) => node.name));
		const connections: IConnections = {};
		for (const source of [trigger.name, ...keptNames]) {
			const main = file.connections[source]?.main;
			if (main) connections[source] = { main: main.map((targets) => (targets ?? []).filter((c) => keptNames.has(c.node))) };
		}
		const workflowData = { id: file.id ?? 'example-workflow', name: file.name, nodes: [start, ...kept] };
		const workflow = new Workflow({ ...workflowData, connections, active: false, nodeTypes, settings: file.settings ?? {} });
		const executionId = nextExecutionId('workflow');
		const runData = createRunExecutionData({
			executionData: { nodeExecutionStack: [{ node: start, data: { main: [[{ json: {} }]] }, source: null }] },
		});
		const additionalData = additionalDataFor(executionId, workflowData, opts.credentials);
		const run = await new WorkflowExecute(additionalData, 'manual', runData).processRunExecutionData(workflow);

		const nodes: Record<string, OutputItem[]> = {};
		let error: WorkflowRunResult['error'];
		for (const [name, tasks] of Object.entries(run.data.resultData.runData)) {
			if (name === trigger.name) continue;
			nodes[name] = await Promise.all((tasks[0]?.data?.main?.[0] ?? []).map((item) => toOutputItem(service, item)));
			if (tasks[0]?.error) error ??= { ...toRunError(tasks[0].error), node: name };
		}
		const failure = run.data.resultData.error;
		if (failure && !error) error = toRunError(failure);
		// The files are read into `bytes`: delete them so a long demo does not fill the disk.
		await service.deleteMany([{ type: 'execution', workflowId: workflowData.id, executionId }]);
		const lastNode = run.data.resultData.lastNodeExecuted;
		return {
			status: run.status, nodes, lastNode, items: (lastNode && nodes[lastNode]) || [],
			logs: context.logs, durationMs: Date.now() - started, ...(error ? { error } : {}),
		};
	});
}

function findNode(file: WorkflowFile, name: string): INode {
	const node = file.nodes.find((n) => n.name === name);
	if (!node) throw new Error(`Workflow "${file.name}" has no node "${name}"`);
	return node;
}

/** The only node that starts the workflow: no main input, and not a sticky note or an AI sub-node. */
function triggerOf(file: WorkflowFile): string {
	const fed = new Set(Object.values(file.connections).flatMap((byType) => (byType.main ?? []).flat().map((c) => c?.node)));
	const roots = file.nodes.filter((node) => {
		if (fed.has(node.name) || node.type === 'n8n-nodes-base.stickyNote') return false;
		const outputs = Object.keys(file.connections[node.name] ?? {});
		return !outputs.some((type) => SUB_NODE_OUTPUTS.has(type));
	});
	if (roots.length !== 1) {
		throw new Error(`Workflow "${file.name}" has ${roots.length} start nodes (${roots.map((n) => n.name).join(', ')}): pass { trigger: '<node name>' }`);
	}
	return roots[0].name;
}

/** The nodes reached from `name` through main connections, in a stable order. */
function downstreamOf(file: WorkflowFile, name: string): INode[] {
	const reached = new Set<string>();
	const queue = [name];
	while (queue.length > 0) {
		const current = queue.shift()!;
		for (const targets of file.connections[current]?.main ?? []) {
			for (const { node } of targets ?? []) {
				if (!reached.has(node) && node !== name) {
					reached.add(node);
					queue.push(node);
				}
			}
		}
	}
	return file.nodes.filter((node) => reached.has(node.name));
}

function assertRunnableInProcess(node: INode): void {
	try {
		nodeTypes.getByNameAndVersion(node.type, node.typeVersion);
	} catch {
		throw new Error(
			`"${node.name}" (${node.type}) cannot run in-process: only this package's nodes are loaded. ` +
				`Pass { trigger: '<a later node>' } to start after it, or run the workflow in real n8n (npm run test:e2e).`,
		);
	}
}
