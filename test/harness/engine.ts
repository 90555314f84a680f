// The n8n-core plumbing behind runNode and testCredential: what n8n's CLI would otherwise provide.
import './env'; // first: sets N8N_USER_FOLDER before n8n-core loads

import { Logger } from '@n8n/backend-common';
import { Container } from '@n8n/di';
import { AsyncLocalStorage } from 'async_hooks';
import { existsSync, readdirSync, statSync } from 'fs';
import { BinaryDataConfig, BinaryDataService, ExecutionLifecycleHooks, PackageDirectoryLoader } from 'n8n-core';
import type {
	IBinaryData,
	ICredentialDataDecryptedObject,
	ICredentialType,
	IExecuteFunctions,
	IHttpRequestOptions,
	INode,
	INodeExecutionData,
	INodeParameters,
	INodeType,
	INodeTypes,
	IVersionedNodeType,
	IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';
import { ICredentialsHelper, LoggerProxy, NodeHelpers } from 'n8n-workflow';
import { relative, resolve } from 'path';
import { inspect } from 'util';

import type { EspoCredentialData } from '../../credentials/espoCrmSigning';
import { BinaryEcho } from './fixtures/BinaryEcho.node';
import { EspoProbe } from './fixtures/EspoProbe.node';
import { FailingNode } from './fixtures/FailingNode.node';
import type { BinaryMode, InputItem } from './types';

const REPO_ROOT = resolve(__dirname, '../..');
export const CREDENTIAL_TYPE = 'espoCrmApi';
export const INPUT_NODE_TYPE = 'harness.input';

// ---- Per-run context --------------------------------------------------------------------------
// n8n-core keeps the binary mode and the logger in process-wide singletons. Runs may overlap
// (Promise.all), so each run carries its mode and log buffer in an AsyncLocalStorage that follows
// its promise chain; the singletons below read from it.
export interface RunContext { binaryMode: BinaryMode; logs: string[]; inputs?: InputItem[] }
export const currentRun = new AsyncLocalStorage<RunContext>();
export const logsOutsideRuns: string[] = [];

function record(level: string, message: string, meta?: unknown): void {
	const line = `${level}: ${message}${meta === undefined ? '' : ` ${inspect(meta, { depth: 8, breakLength: Infinity })}`}`;
	(currentRun.getStore()?.logs ?? logsOutsideRuns).push(line);
}
const capturingLogger = {
	error: (m: string, meta?: unknown) => record('error', m, meta),
	warn: (m: string, meta?: unknown) => record('warn', m, meta),
	info: (m: string, meta?: unknown) => record('info', m, meta),
	debug: (m: string, meta?: unknown) => record('debug', m, meta),
	scoped() { return capturingLogger; },
};
// Nodes' `this.logger` is Container.get(Logger); n8n-workflow code logs through LoggerProxy.
Container.set(Logger, capturingLogger as unknown as Logger);
LoggerProxy.init(capturingLogger);

// ---- The package, loaded from dist like a community package ----------------------------------
// PackageDirectoryLoader.loadAll() stops at the first file that fails to load, so a node that is
// not built yet would hide the credential too. We call the same per-file methods loadAll() uses,
// in the same order, and remember what failed so runNode can say why.
export const loader = new PackageDirectoryLoader(REPO_ROOT);
export const loadErrors: Record<string, string> = {};
{
	const { n8n, version } = loader.packageJson;
	for (const path of n8n?.nodes ?? []) {
		try { loader.loadNodeFromFile(path, version); } catch (error) { loadErrors[path] = describeLoadError(path, error); }
	}
	for (const path of n8n?.credentials ?? []) {
		try { loader.loadCredentialFromFile(path); } catch (error) { loadErrors[path] = describeLoadError(path, error); }
	}
}
function describeLoadError(path: string, error: unknown): string {
	const hint = existsSync(resolve(REPO_ROOT, path)) ? '' : ' (not built: run `npm run build`)';
	return `${path}${hint}: ${(error as Error).message}`;
}

// Tests run the BUILD: say so loudly when a source file is newer than its compiled file.
const staleSources = ['credentials', 'nodes'].flatMap((dir) => sourcesIn(resolve(REPO_ROOT, dir))).filter((ts) => {
	const js = resolve(REPO_ROOT, 'dist', relative(REPO_ROOT, ts)).replace(/\.ts$/, '.js');
	return !existsSync(js) || statSync(js).mtimeMs < statSync(ts).mtimeMs;
});
if (staleSources.length > 0) {
	const names = staleSources.map((f) => relative(REPO_ROOT, f));
	const more = names.length > 3 ? ` and ${names.length - 3} more` : '';
	console.warn(`Testing an old build: dist/ is older than ${names.slice(0, 3).join(', ')}${more}. Run \`npm run build\`.`);
}
function sourcesIn(dir: string): string[] {
	if (!existsSync(dir)) return [];
	return readdirSync(dir, { recursive: true, encoding: 'utf8' })
		.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
		.map((f) => resolve(dir, f));
}

export const PACKAGE_NODE_TYPE = `${loader.packageName}.espoCrmAttachment`;

class InputNode implements INodeType {
	description = {
		displayName: 'Harness Input', name: 'input', group: ['trigger'], version: 1, description: '',
		defaults: { name: 'Input' }, inputs: [], outputs: ['main'], properties: [],
	} as unknown as INodeType['description'];

	// Emits the run's items; binaries go through prepareBinaryData, so in filesystem mode they are
	// stored as files (binary.data === 'filesystem-v2') exactly as a real trigger's would be.
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = currentRun.getStore()?.inputs ?? [{ json: {} }];
		const out: INodeExecutionData[] = [];
		for (const item of items) {
			const binary: Record<string, IBinaryData> = {};
			for (const [key, b] of Object.entries(item.binary ?? {})) {
				binary[key] = await this.helpers.prepareBinaryData(b.data, b.fileName, b.mimeType);
			}
			out.push({ json: item.json ?? {}, ...(item.binary ? { binary } : {}), pairedItem: { item: 0 } });
		}
		return [out];
	}
}

/** Node types other harness modules add (test/harness/tool.ts: the agent stand-in and the …Tool variant). */
export const extraNodeTypes: Record<string, () => INodeType | IVersionedNodeType> = {};

const harnessNodes: Record<string, INodeType | IVersionedNodeType> = {
	[INPUT_NODE_TYPE]: new InputNode(),
	'harness.espoProbe': new EspoProbe(),
	'harness.binaryEcho': new BinaryEcho(),
	'harness.failingNode': new FailingNode(),
};

export const nodeTypes: INodeTypes = {
	getByName(type) {
		const found = harnessNodes[type] ?? extraNodeTypes[type]?.() ?? loader.nodeTypes[type.replace(`${loader.packageName}.`, '')]?.type;
		if (found) return found;
		const loadError = Object.values(loadErrors).join('; ');
		throw new Error(`Unknown node type "${type}"${loadError ? `. Load errors: ${loadError}` : ''}`);
	},
	getByNameAndVersion(type, version) {
		return NodeHelpers.getVersionedNodeType(this.getByName(type), version);
	},
	getKnownTypes: () => ({ ...loader.known.nodes }),
};

export function credentialType(name: string): ICredentialType {
	const type = loader.credentialTypes[name]?.type;
	if (!type) throw new Error(`Credential type "${name}" not loaded: ${Object.values(loadErrors).join('; ') || 'not in package.json'}`);
	return type;
}

/** What n8n's CredentialsHelper does for a stored credential: fill in defaults of unset fields. */
export function withDefaults(data: EspoCredentialData): ICredentialDataDecryptedObject {
	const { properties } = credentialType(CREDENTIAL_TYPE);
	return NodeHelpers.getNodeParameters(properties, data as unknown as INodeParameters, true, false, null, null) as ICredentialDataDecryptedObject;
}

/** Serves one run's credential; `authenticate` calls the credential type's own function. */
class TestCredentialsHelper extends ICredentialsHelper {
	constructor(private readonly data: EspoCredentialData | null) { super(); }
	getParentTypes() { return []; }
	isCredentialUsableByNode() { return true; }
	async authenticate(credentials: ICredentialDataDecryptedObject, typeName: string, requestOptions: IHttpRequestOptions) {
		const { authenticate } = credentialType(typeName);
		if (typeof authenticate !== 'function') throw new Error(`The harness only supports function authenticate (${typeName})`);
		return await authenticate(credentials, requestOptions);
	}
	// n8n-core retries a request once after a 401 whenever the helper HAS preAuthentication (n8n's
	// own always has), even if it returns nothing: so, as for users, every 401 is sent twice.
	async preAuthentication() { return undefined; }
	async runPreAuthentication() { return undefined; }
	async getCredentials(): Promise<never> { throw new Error('getCredentials is not used by nodes'); }
	async getDecrypted() {
		if (!this.data) throw new Error('This run has no credential');
		return withDefaults(this.data);
	}
	async updateCredentials() {}
	async updateCredentialsOauthTokenData() {}
	getCredentialsProperties(type: string) { return credentialType(type).properties; }
}

// ---- Binary data ------------------------------------------------------------------------------
let binaryReady: Promise<BinaryDataService> | undefined;
export function binaryDataService(): Promise<BinaryDataService> {
	binaryReady ??= (async () => {
		const config = Container.get(BinaryDataConfig);
		config.availableModes = ['filesystem'];
		config.mode = 'filesystem';
		const service = Container.get(BinaryDataService);
		await service.init(); // registers the filesystem store; 'default' has no store = inline base64
		// BinaryDataService decides per call from its private `mode` field: make it the run's mode.
		const runMode = () => (currentRun.getStore()?.binaryMode ?? 'filesystem');
		Object.defineProperty(service, 'mode', { get: () => (runMode() === 'filesystem' ? 'filesystem-v2' : 'default'), set() {} });
		Object.defineProperty(config, 'mode', { get: runMode, set() {} });
		return service;
	})();
	return binaryReady;
}

let executionCounter = 0;
export const nextExecutionId = (prefix: string): string => `${prefix}-${++executionCounter}`;

export function additionalDataFor(executionId: string, workflowData: { id: string; name: string; nodes: INode[] }, credentials: EspoCredentialData | null) {
	const hooks = new ExecutionLifecycleHooks('manual', executionId, {
		...workflowData, active: false, activeVersionId: null, isArchived: false, connections: {},
		createdAt: new Date(), updatedAt: new Date(),
	} as never);
	return {
		executionId, hooks, credentialsHelper: new TestCredentialsHelper(credentials),
		// Must be valid URLs: the first getNodeParameter builds $execution.resumeUrl etc. from them.
		instanceBaseUrl: 'http://127.0.0.1:5678/', restApiUrl: 'http://127.0.0.1:5678/rest',
		webhookBaseUrl: 'http://127.0.0.1:5678/webhook', webhookTestBaseUrl: 'http://127.0.0.1:5678/webhook-test',
		webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting', formWaitingBaseUrl: 'http://127.0.0.1:5678/form-waiting',
		currentNodeParameters: undefined, variables: {},
	} as unknown as IWorkflowExecuteAdditionalData;
}
