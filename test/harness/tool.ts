// The node as an AI Agent's TOOL, run through n8n's own tool path in-process, with the arguments a
// language model would have produced given directly (no model):
//
// - The `…Tool` node type is made as n8n's CLI makes it for every `usableAsTool` node
//   (packages/cli load-nodes-and-credentials createAiTools → convertNodeToAiTool: name + "Tool",
//   inputs [], outputs [ai_tool], a "toolDescription" parameter); its execute() is the node's own.
// - A stand-in agent node asks the workflow engine to run the tool the way n8n 2.x's AI Agent (V3)
//   does: its execute() returns an EngineRequest `{ actions: [{ actionType: 'ExecutionNodeAction',
//   nodeName, input: <tool arguments>, type: 'ai_tool', id, metadata: { itemIndex } }] }`;
//   n8n-core's WorkflowExecute (requests-response.ts handleRequest) runs the tool node with those
//   arguments as its ai_tool input, where `$fromAI('key')` reads them, and resumes the agent with
//   the tool's task data (EngineResponse.actionResponses).
// - The agent turns that into the observation the model reads exactly as n8n's agent does
//   (@n8n/n8n-nodes-langchain utils/agent-execution/buildSteps.ts buildObservation): the JSON of
//   the tool's output items, or `{"error": <message>, "errorType": <name>}`.
import { WorkflowExecute } from 'n8n-core';
import type {
	EngineRequest,
	EngineResponse,
	IExecuteFunctions,
	INode,
	INodeExecutionData,
	INodeParameters,
	INodeType,
	INodeTypeDescription,
	IDataObject,
} from 'n8n-workflow';
import { createRunExecutionData, NodeConnectionTypes, Workflow } from 'n8n-workflow';

import type { EspoCredentialData } from '../../credentials/espoCrmSigning';
import { additionalDataFor, binaryDataService, CREDENTIAL_TYPE, currentRun, extraNodeTypes, INPUT_NODE_TYPE, nextExecutionId, nodeTypes, PACKAGE_NODE_TYPE } from './engine';

export const TOOL_NODE_TYPE = `${PACKAGE_NODE_TYPE}Tool`;
const AGENT_NODE_TYPE = 'harness.toolAgent';
const TOOL_NODE_NAME = 'EspoCRM Attachment Tool';

/** n8n's convertNodeToAiTool, applied to a copy of the node's description (the class stays the node's). */
export function toolVariant(node: INodeType): INodeType {
	const source = node.description;
	const description: INodeTypeDescription = {
		...source,
		name: `${source.name}Tool`,
		displayName: `${source.displayName} Tool`,
		inputs: [],
		outputs: [NodeConnectionTypes.AiTool],
		properties: [
			{
				displayName: 'Tool Description', name: 'descriptionType', type: 'options', noDataExpression: true, default: 'auto',
				options: [{ name: 'Set Automatically', value: 'auto' }, { name: 'Set Manually', value: 'manual' }],
			},
			{ displayName: 'Description', name: 'toolDescription', type: 'string', default: source.description, required: true, displayOptions: { show: { descriptionType: ['manual'] } } },
			...source.properties,
		],
	};
	delete (description as Partial<INodeTypeDescription>).usableAsTool;
	return Object.create(node, { description: { value: description } }) as INodeType;
}

/** What the agent asked for and what came back, per tool call. */
interface ToolCall { id: string; args: IDataObject }

/** n8n's buildObservation: what the model reads after a tool call. */
function observationOf(task: EngineResponse['actionResponses'][number]['data'] | undefined): string {
	const items = task?.data?.[NodeConnectionTypes.AiTool]?.[0]?.map((item) => item?.json);
	if (items && items.length > 0) return JSON.stringify(items);
	if (task?.error) return JSON.stringify({ error: task.error.message ?? 'Unknown error', ...(task.error.name ? { errorType: task.error.name } : {}) });
	return JSON.stringify('');
}

class ToolAgent implements INodeType {
	description = {
		displayName: 'Harness Tool Agent', name: 'toolAgent', group: ['transform'], version: 1, description: '',
		defaults: { name: 'Agent' }, inputs: ['main', { type: 'ai_tool', displayName: 'Tool' }], outputs: ['main'], properties: [],
	} as unknown as INodeTypeDescription;

	async execute(this: IExecuteFunctions, response?: EngineResponse): Promise<INodeExecutionData[][] | EngineRequest> {
		const calls = (this.getInputData()[0]?.json.toolCalls ?? []) as unknown as ToolCall[];
		if (!response?.actionResponses?.length) {
			return {
				actions: calls.map((call) => ({
					actionType: 'ExecutionNodeAction' as const, nodeName: TOOL_NODE_NAME, input: call.args, type: NodeConnectionTypes.AiTool, id: call.id,
					metadata: { itemIndex: 0 },
				})),
				metadata: {},
			} as EngineRequest;
		}
		const observations = response.actionResponses.map((answer) => ({ json: { toolCallId: answer.action.id, observation: observationOf(answer.data) } }));
		return [observations];
	}
}

const agent = new ToolAgent();
let tool: INodeType | undefined;
extraNodeTypes[AGENT_NODE_TYPE] = () => agent;
extraNodeTypes[TOOL_NODE_TYPE] = () => (tool ??= toolVariant(nodeTypes.getByNameAndVersion(PACKAGE_NODE_TYPE, 1)));

export interface ToolRunResult {
	status: string;
	/** The observation the model would read, per tool call id. */
	observations: Record<string, string>;
	/** The tool node's own task data, per run (one per call). */
	toolTasks: Array<{ items: IDataObject[]; error?: { message: string; description?: string | null } }>;
}

/** Runs one agent turn that calls the node as a tool with `parameters` ($fromAI placeholders) and `calls`. */
export async function runAsTool(opts: { parameters: INodeParameters; calls: ToolCall[]; credentials: EspoCredentialData | null }): Promise<ToolRunResult> {
	await binaryDataService();
	return await currentRun.run({ binaryMode: 'filesystem', logs: [], inputs: [{ json: { toolCalls: opts.calls as unknown as IDataObject[] } }] }, async () => {
		const input: INode = { id: 'input', name: 'Input', type: INPUT_NODE_TYPE, typeVersion: 1, position: [0, 0], parameters: {} };
		const agent: INode = { id: 'agent', name: 'Agent', type: AGENT_NODE_TYPE, typeVersion: 1, position: [200, 0], parameters: {} };
		const tool: INode = {
			id: 'tool', name: TOOL_NODE_NAME, type: TOOL_NODE_TYPE, typeVersion: 1, position: [200, 200],
			parameters: { descriptionType: 'auto', resource: 'attachment', ...opts.parameters },
			...(opts.credentials ? { credentials: { [CREDENTIAL_TYPE]: { id: 'cred-1', name: 'EspoCRM (test)' } } } : {}),
		};
		const workflowData = { id: 'tool-workflow', name: 'Tool', nodes: [input, agent, tool] };
		const workflow = new Workflow({
			...workflowData, active: false, nodeTypes, settings: { executionOrder: 'v1' },
			connections: {
				Input: { main: [[{ node: 'Agent', type: NodeConnectionTypes.Main, index: 0 }]] },
				[TOOL_NODE_NAME]: { ai_tool: [[{ node: 'Agent', type: NodeConnectionTypes.AiTool, index: 0 }]] },
			},
		});
		const runData = createRunExecutionData({ executionData: { nodeExecutionStack: [{ node: input, data: { main: [[{ json: {} }]] }, source: null }] } });
		const executionId = nextExecutionId('tool');
		const run = await new WorkflowExecute(additionalDataFor(executionId, workflowData, opts.credentials), 'manual', runData).processRunExecutionData(workflow);
		const resultData = run.data.resultData;
		const agentItems = resultData.runData.Agent?.at(-1)?.data?.main?.[0] ?? [];
		const observations = Object.fromEntries(agentItems.map((item) => [item.json.toolCallId as string, item.json.observation as string]));
		const toolTasks = (resultData.runData[TOOL_NODE_NAME] ?? []).map((task) => ({
			items: (task.data?.[NodeConnectionTypes.AiTool]?.[0] ?? task.data?.main?.[0] ?? []).map((item) => item.json),
			...(task.error ? { error: { message: task.error.message, description: (task.error as { description?: string | null }).description } } : {}),
		}));
		if (resultData.error && !Object.keys(observations).length) throw resultData.error;
		return { status: run.status, observations, toolTasks };
	});
}
