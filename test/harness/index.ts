// Runs real n8n workflows in-process through n8n-core's WorkflowExecute, with this package loaded
// from its build (package.json `n8n` field → dist/) by n8n-core's PackageDirectoryLoader, the way
// n8n loads a community package. Same shape as n8n's own (unpublished) NodeTestHarness.
import { HARNESS_DIR } from './env'; // first: sets N8N_USER_FOLDER before n8n-core loads

import { rmSync } from 'fs';
import { WorkflowExecute } from 'n8n-core';
import type { INode } from 'n8n-workflow';
import { createRunExecutionData, Workflow } from 'n8n-workflow';

import {
	additionalDataFor,
	binaryDataService,
	CREDENTIAL_TYPE,
	currentRun,
	INPUT_NODE_TYPE,
	loader,
	loadErrors,
	logsOutsideRuns,
	nextExecutionId,
	nodeTypes,
	PACKAGE_NODE_TYPE,
	type RunContext,
} from './engine';
import { toOutputItem, toRunError } from './output';
import type { RunNodeOptions, RunResult } from './types';

export type * from './types';
export { credentialTestFunctionsOf, testCredential } from './credentialTest';
export { PACKAGE_NODE_TYPE } from './engine';

export async function runNode(opts: RunNodeOptions): Promise<RunResult> {
	const service = await binaryDataService();
	const context: RunContext = { binaryMode: opts.binaryMode, logs: [], inputs: opts.items };
	return await currentRun.run(context, async () => {
		const started = Date.now();
		const executionId = nextExecutionId('harness');
		const type = opts.nodeType ?? PACKAGE_NODE_TYPE;
		const description = nodeTypes.getByNameAndVersion(type, opts.typeVersion).description;
		const credentials = opts.credentials ?? null;
		const input: INode = { id: 'input', name: 'Input', type: INPUT_NODE_TYPE, typeVersion: 1, position: [0, 0], parameters: {} };
		const node: INode = {
			id: 'node', name: description.defaults.name ?? description.displayName, type,
			typeVersion: opts.typeVersion ?? Math.max(...[description.version].flat()), position: [200, 0],
			parameters: opts.parameters,
			...(credentials ? { credentials: { [CREDENTIAL_TYPE]: { id: 'cred-1', name: 'EspoCRM (test)' } } } : {}),
			...(opts.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
		};
		const workflowData = { id: 'harness-workflow', name: 'Harness', nodes: [input, node] };
		const workflow = new Workflow({
			...workflowData, active: false, nodeTypes,
			connections: { Input: { main: [[{ node: node.name, type: 'main', index: 0 }]] } },
		});
		const runData = createRunExecutionData({
			executionData: { nodeExecutionStack: [{ node: input, data: { main: [[{ json: {} }]] }, source: null }] },
		});
		const additionalData = additionalDataFor(executionId, workflowData, credentials);
		const run = await new WorkflowExecute(additionalData, 'manual', runData).processRunExecutionData(workflow);

		const task = run.data.resultData.runData[node.name]?.[0];
		const items = await Promise.all((task?.data?.main?.[0] ?? []).map((item) => toOutputItem(service, item)));
		// The files are read into `bytes`: delete them so big-file tests do not fill the disk.
		await service.deleteMany([{ type: 'execution', workflowId: workflowData.id, executionId }]);
		const failure = task?.error ?? run.data.resultData.error;
		return {
			status: run.status, items, logs: context.logs, durationMs: Date.now() - started,
			...(failure ? { error: toRunError(failure) } : {}),
		};
	});
}

// ---- Introspection and shutdown -----------------------------------------------------------------
export function loadedPackage(): { nodeTypes: string[]; credentialTypes: string[]; loadErrors: Record<string, string> } {
	return {
		nodeTypes: Object.keys(loader.nodeTypes).map((name) => `${loader.packageName}.${name}`),
		credentialTypes: Object.keys(loader.credentialTypes),
		loadErrors: { ...loadErrors },
	};
}

/** Logs n8n wrote outside any run (e.g. while loading the package). */
export function harnessLogs(): string[] {
	return [...logsOutsideRuns];
}

/**
 * Removes the temp folder (binary files, n8n config). n8n-core 2.41's background timers (SSH client
 * cleanup, cron logging) are created lazily and unref()'d, so nothing else keeps jest alive.
 */
export async function shutdownHarness(): Promise<void> {
	rmSync(HARNESS_DIR, { recursive: true, force: true });
}
