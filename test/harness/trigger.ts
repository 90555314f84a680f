// Runs the package's trigger nodes in-process the way n8n does, through n8n-core's own contexts:
// - webhook lifecycle: HookContext → checkExists, then create when it answered false (n8n's
//   createWebhookIfNotExists); delete on deactivation;
// - deliveries: a local HTTP server (127.0.0.1, free port) is the n8n webhook URL EspoCRM posts to; each
//   request gets a WebhookContext with the request (body parsed, rawBody kept, as n8n's parser does) and
//   the node's webhook(). As n8n does per request, static data is loaded from the stored copy and saved
//   back only when webhook() succeeded; an error answers 500. Items start an execution (WorkflowExecute,
//   the trigger's output as its start data);
// - polling: PollContext on one Workflow object that lives while the trigger is active (n8n keeps it in
//   memory between polls), and an execution for every poll that returned items.
import './env'; // first: sets N8N_USER_FOLDER before n8n-core loads

import http from 'http';
import type { AddressInfo } from 'net';
import { HookContext, PollContext, WebhookContext, WorkflowExecute } from 'n8n-core';
import type {
	IDataObject,
	INode,
	INodeExecutionData,
	INodeParameters,
	IWebhookData,
	IWebhookResponseData,
	IWorkflowExecuteAdditionalData,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { createRunExecutionData, Workflow } from 'n8n-workflow';

import type { EspoCredentialData } from '../../credentials/espoCrmSigning';
import { additionalDataFor, binaryDataService, CREDENTIAL_TYPE, currentRun, loader, nextExecutionId, nodeTypes, type RunContext } from './engine';
import { toOutputItem, toRunError } from './output';
import type { BinaryMode, OutputItem, RunError } from './types';

export const WEBHOOK_TRIGGER_TYPE = `${loader.packageName}.espoCrmFileTrigger`;
export const POLL_TRIGGER_TYPE = `${loader.packageName}.espoCrmFilePollTrigger`;

export interface TriggerOptions {
	nodeType: string;
	parameters: INodeParameters;
	credentials: EspoCredentialData;
	binaryMode?: BinaryMode;
}

/** A started execution: the items the trigger emitted, with their files read back through n8n. */
export interface Execution {
	items: OutputItem[];
	status: string;
}

export interface DeliveryOutcome {
	status: number;
	body: string;
	execution?: Execution;
	error?: RunError;
}

export class TriggerHarness {
	readonly executions: Execution[] = [];

	/** Every delivery the n8n side received, with its answer. */
	readonly deliveries: DeliveryOutcome[] = [];

	/** What n8n keeps in the database (the workflow's static data). */
	staticData: IDataObject = {};

	readonly logs: string[] = [];

	private server?: http.Server;

	private baseUrl = 'http://127.0.0.1:5678';

	private readonly node: INode;

	private pollWorkflow?: Workflow;

	private readonly pending = new Set<Promise<void>>();

	constructor(private readonly options: TriggerOptions) {
		this.node = {
			id: 'trigger',
			name: 'EspoCRM Trigger',
			type: options.nodeType,
			typeVersion: 1,
			position: [0, 0],
			parameters: options.parameters,
			webhookId: 'a1b2c3d4-0000-4000-8000-000000000001',
			credentials: { [CREDENTIAL_TYPE]: { id: 'cred-1', name: 'EspoCRM (test)' } },
		};
	}

	private get run(): RunContext {
		return { binaryMode: this.options.binaryMode ?? 'filesystem', logs: this.logs };
	}

	/** The production webhook URL n8n gives the node (`<base>/webhook/<webhookId>/webhook`). */
	get webhookUrl(): string {
		return `${this.baseUrl}/webhook/${this.node.webhookId}/webhook`;
	}

	private workflow(staticData: IDataObject): Workflow {
		return new Workflow({
			id: 'trigger-workflow',
			name: 'Trigger',
			nodes: [this.node],
			connections: {},
			active: true,
			nodeTypes,
			staticData: JSON.parse(JSON.stringify(staticData)) as IDataObject,
		});
	}

	private additionalData(executionId: string): IWorkflowExecuteAdditionalData {
		const data = additionalDataFor(executionId, { id: 'trigger-workflow', name: 'Trigger', nodes: [this.node] }, this.options.credentials);
		return { ...data, webhookBaseUrl: `${this.baseUrl}/webhook`, webhookTestBaseUrl: `${this.baseUrl}/webhook-test` } as IWorkflowExecuteAdditionalData;
	}

	private webhookData(workflow: Workflow, additionalData: IWorkflowExecuteAdditionalData): IWebhookData {
		const nodeType = nodeTypes.getByNameAndVersion(this.node.type, 1);
		const description = nodeType.description.webhooks![0];
		return {
			httpMethod: 'POST',
			node: this.node.name,
			path: `${this.node.webhookId}/webhook`,
			webhookDescription: description,
			workflowId: workflow.id,
			workflowExecuteAdditionalData: additionalData,
			webhookId: this.node.webhookId,
		};
	}

	private async hook(method: 'checkExists' | 'create' | 'delete', workflow: Workflow, activation: 'activate' | 'manual' = 'activate'): Promise<boolean> {
		const additionalData = this.additionalData(nextExecutionId('hook'));
		const ctx = new HookContext(workflow, this.node, additionalData, 'trigger', activation, this.webhookData(workflow, additionalData));
		const nodeType = nodeTypes.getByNameAndVersion(this.node.type, 1);
		const fn = nodeType.webhookMethods?.default?.[method];
		if (!fn) throw new Error(`${this.node.type} has no webhook method ${method}`);
		return (await fn.call(ctx)) as boolean;
	}

	/** Starts the n8n side: the HTTP server EspoCRM delivers to (webhook trigger only). */
	async listen(): Promise<void> {
		this.server = http.createServer((req, res) => {
			const handling = this.receive(req, res);
			this.pending.add(handling);
			void handling.finally(() => this.pending.delete(handling));
		});
		await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
		this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
	}

	/** n8n's activation of a webhook trigger: checkExists, and create when it answered false. Throws what activation would show. */
	async activate(): Promise<void> {
		await currentRun.run(this.run, async () => {
			const workflow = this.workflow(this.staticData);
			if (!(await this.hook('checkExists', workflow))) await this.hook('create', workflow);
			this.staticData = workflow.staticData as IDataObject;
		});
	}

	async deactivate(): Promise<void> {
		await currentRun.run(this.run, async () => {
			const workflow = this.workflow(this.staticData);
			await this.hook('delete', workflow);
			this.staticData = workflow.staticData as IDataObject;
		});
	}

	/** Waits until every delivery received so far is handled (its execution included: n8n answers first). */
	async settled(): Promise<void> {
		while (this.pending.size > 0) await Promise.all([...this.pending]);
	}

	/** The node's static data, as n8n stores it (`node:<name>`). */
	get nodeStaticData(): IDataObject {
		return (this.staticData[`node:${this.node.name}`] as IDataObject | undefined) ?? {};
	}

	async close(): Promise<void> {
		if (!this.server) return;
		await new Promise<void>((resolve) => {
			this.server!.close(() => resolve());
			this.server!.closeAllConnections();
		});
	}

	/** One delivery, handled as n8n's webhook route does for an active workflow. */
	private async receive(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
		const parts: Buffer[] = [];
		for await (const chunk of req) parts.push(chunk as Buffer);
		const rawBody = Buffer.concat(parts);
		const outcome: DeliveryOutcome = { status: 0, body: '' };
		const answer = (status: number, body: unknown) => {
			if (res.headersSent) return;
			outcome.status = status;
			outcome.body = typeof body === 'string' ? body : JSON.stringify(body);
			res.statusCode = status;
			res.setHeader('Content-Type', 'application/json');
			res.end(outcome.body);
		};
		// The express-like request/response the node sees (n8n parses JSON and keeps rawBody).
		let parsed: unknown = {};
		try {
			parsed = rawBody.length ? JSON.parse(rawBody.toString('utf8')) : {};
		} catch {
			parsed = {};
		}
		const request = Object.assign(req, { body: parsed, rawBody, query: {}, params: {} });
		const response = {
			statusCode: 200,
			status(code: number) {
				this.statusCode = code;
				return this;
			},
			json(value: unknown) {
				answer(this.statusCode, value);
				return this;
			},
			send(value: unknown) {
				answer(this.statusCode, value ?? '');
				return this;
			},
			end() {
				answer(this.statusCode, '');
				return this;
			},
		};
		await currentRun.run(this.run, async () => {
			const executionId = nextExecutionId('webhook');
			const workflow = this.workflow(this.staticData);
			const additionalData = { ...this.additionalData(executionId), httpRequest: request, httpResponse: response } as unknown as IWorkflowExecuteAdditionalData;
			const ctx = new WebhookContext(workflow, this.node, additionalData, 'webhook', this.webhookData(workflow, additionalData), [], null);
			const nodeType = nodeTypes.getByNameAndVersion(this.node.type, 1);
			let result: IWebhookResponseData;
			try {
				result = await nodeType.webhook!.call(ctx);
			} catch (error) {
				outcome.error = toRunError(error);
				answer(500, { code: 0, message: (error as Error).message });
				this.deliveries.push(outcome);
				return;
			}
			this.staticData = workflow.staticData as IDataObject; // saved after a successful webhook()
			if (result.noWebhookResponse !== true) answer(200, result.webhookResponse ?? { message: 'Workflow was started' });
			if (result.workflowData) outcome.execution = await this.execute(result.workflowData, 'webhook', executionId);
			this.deliveries.push(outcome);
		});
	}

	/** One poll, as n8n's cron tick runs it; an execution starts when it returned items. */
	async poll(mode: WorkflowExecuteMode = 'trigger'): Promise<Execution | null> {
		return await currentRun.run(this.run, async () => {
			this.pollWorkflow ??= this.workflow(this.staticData);
			const executionId = nextExecutionId('poll');
			const ctx = new PollContext(this.pollWorkflow, this.node, this.additionalData(executionId), mode, 'activate');
			const nodeType = nodeTypes.getByNameAndVersion(this.node.type, 1);
			const output = await nodeType.poll!.call(ctx);
			this.staticData = this.pollWorkflow.staticData as IDataObject;
			if (output === null) return null;
			return await this.execute(output, mode, executionId);
		});
	}

	/** Ends polling (n8n drops the in-memory workflow; the stored static data stays). */
	stopPolling(): void {
		this.pollWorkflow = undefined;
	}

	private async execute(output: INodeExecutionData[][], mode: WorkflowExecuteMode, executionId: string): Promise<Execution> {
		const service = await binaryDataService();
		const workflow = this.workflow(this.staticData);
		const runData = createRunExecutionData({
			executionData: { nodeExecutionStack: [{ node: this.node, data: { main: output }, source: null }] },
		});
		const run = await new WorkflowExecute(this.additionalData(executionId), mode, runData).processRunExecutionData(workflow);
		const task = run.data.resultData.runData[this.node.name]?.[0];
		const items = await Promise.all((task?.data?.main?.[0] ?? []).map((item) => toOutputItem(service, item)));
		const execution = { items, status: run.status };
		this.executions.push(execution);
		return execution;
	}
}
