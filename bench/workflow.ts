// A two-node workflow (bench start node → the node under test) run through n8n-core's
// WorkflowExecute with the package loaded from dist, on the test harness's engine (binary storage
// in filesystem mode, credentials, logger). The hooks around the node under test mark the window
// that is timed and whose memory is measured.
import '../test/harness/env'; // first: sets N8N_USER_FOLDER before n8n-core loads
import './storageEnv'; // then: the benchmark's shared binary storage, if it has one

import { WorkflowExecute } from 'n8n-core';
import type { IBinaryData, INode, INodeExecutionData, INodeParameters, INodeType, INodeTypes } from 'n8n-workflow';
import { createRunExecutionData, NodeHelpers, Workflow } from 'n8n-workflow';

import type { EspoCredentialData } from '../credentials/espoCrmSigning';
import { additionalDataFor, binaryDataService, CREDENTIAL_TYPE, currentRun, nextExecutionId, nodeTypes as harnessNodeTypes } from '../test/harness/engine';
import { HARNESS_DIR } from '../test/harness/env';
import { BENCH_NODES, type SourceJob } from './nodes';

export { binaryDataService, PACKAGE_NODE_TYPE } from '../test/harness/engine';
export { HARNESS_DIR };

const nodeTypes: INodeTypes = {
	getByName: (type) => BENCH_NODES[type] ?? harnessNodeTypes.getByName(type),
	getByNameAndVersion: (type, version) => NodeHelpers.getVersionedNodeType(nodeTypes.getByName(type), version),
	getKnownTypes: () => harnessNodeTypes.getKnownTypes(),
};

export interface BenchRun {
	items: INodeExecutionData[];
	error?: string;
	/** Deletes the execution's files from binary storage. */
	cleanUp(): Promise<void>;
}

export async function runBenchWorkflow(opts: {
	source: SourceJob;
	nodeType: string;
	parameters: INodeParameters;
	credentials: EspoCredentialData;
	onStart(): Promise<void> | void;
	onEnd(): Promise<void> | void;
}): Promise<BenchRun> {
	const service = await binaryDataService();
	return await currentRun.run({ binaryMode: 'filesystem', logs: [] }, async () => {
		const executionId = nextExecutionId('bench');
		const source: INode = {
			id: 'source', name: 'Source', type: 'bench.source', typeVersion: 1, position: [0, 0],
			parameters: { job: JSON.stringify(opts.source) },
		};
		const described = (nodeTypes.getByName(opts.nodeType) as INodeType).description;
		const target: INode = {
			id: 'target', name: 'Target', type: opts.nodeType,
			typeVersion: Math.max(...[described.version].flat()), position: [200, 0],
			parameters: opts.parameters,
			credentials: { [CREDENTIAL_TYPE]: { id: 'cred-1', name: 'EspoCRM (bench)' } },
		};
		const workflowData = { id: 'bench-workflow', name: 'Bench', nodes: [source, target] };
		const workflow = new Workflow({
			...workflowData, active: false, nodeTypes,
			connections: { Source: { main: [[{ node: target.name, type: 'main', index: 0 }]] } },
		});
		const runData = createRunExecutionData({
			executionData: { nodeExecutionStack: [{ node: source, data: { main: [[{ json: {} }]] }, source: null }] },
		});
		const additionalData = additionalDataFor(executionId, workflowData, opts.credentials);
		additionalData.hooks!.addHandler('nodeExecuteBefore', async (nodeName) => {
			if (nodeName === target.name) await opts.onStart();
		});
		additionalData.hooks!.addHandler('nodeExecuteAfter', async (nodeName) => {
			if (nodeName === target.name) await opts.onEnd();
		});
		const run = await new WorkflowExecute(additionalData, 'manual', runData).processRunExecutionData(workflow);
		const task = run.data.resultData.runData[target.name]?.[0];
		const failure = task?.error ?? run.data.resultData.error;
		return {
			items: task?.data?.main?.[0] ?? [],
			...(failure ? { error: `${failure.message}${failure.description ? ` (${failure.description})` : ''}` } : {}),
			cleanUp: async () => await service.deleteMany([{ type: 'execution', workflowId: workflowData.id, executionId }]),
		};
	});
}

/**
 * Streams a file into n8n's binary storage in a workflow of its own (the start node alone) and
 * returns the binary, to be handed to a measuring process that shares the storage directory. Its
 * files stay until the benchmark removes the storage directory.
 */
export async function stageInput(source: Extract<SourceJob, { mode: 'file' }>): Promise<IBinaryData> {
	await binaryDataService();
	return await currentRun.run({ binaryMode: 'filesystem', logs: [] }, async () => {
		const node: INode = {
			id: 'source', name: 'Source', type: 'bench.source', typeVersion: 1, position: [0, 0],
			parameters: { job: JSON.stringify(source) },
		};
		const workflowData = { id: 'bench-staging', name: 'Bench staging', nodes: [node] };
		const workflow = new Workflow({ ...workflowData, active: false, nodeTypes, connections: {} });
		const runData = createRunExecutionData({
			executionData: { nodeExecutionStack: [{ node, data: { main: [[{ json: {} }]] }, source: null }] },
		});
		const additionalData = additionalDataFor(nextExecutionId('stage'), workflowData, null);
		const run = await new WorkflowExecute(additionalData, 'manual', runData).processRunExecutionData(workflow);
		const binary = run.data.resultData.runData[node.name]?.[0]?.data?.main?.[0]?.[0]?.binary?.data;
		if (!binary?.id) throw new Error(`staging ${source.path} failed: ${run.data.resultData.error?.message ?? 'no binary'}`);
		return binary;
	});
}

/** A stored binary's bytes and hash, read as a stream. */
export async function storedFileDigest(binaryId: string): Promise<{ bytes: number; sha256: string }> {
	const { createHash } = await import('node:crypto');
	const service = await binaryDataService();
	const hash = createHash('sha256');
	let bytes = 0;
	for await (const piece of await service.getAsStream(binaryId)) {
		hash.update(piece as Buffer);
		bytes += (piece as Buffer).length;
	}
	return { bytes, sha256: hash.digest('hex') };
}
