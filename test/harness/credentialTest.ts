import type { IDataObject, INode, INodeParameters, INodeType } from 'n8n-workflow';
import { createRunExecutionData, Workflow } from 'n8n-workflow';
import { ExecuteContext, RoutingNode } from 'n8n-core';

import type { EspoCredentialData } from '../../credentials/espoCrmSigning';
import {
	additionalDataFor, credentialType, CREDENTIAL_TYPE, currentRun, INPUT_NODE_TYPE, nextExecutionId, nodeTypes, withDefaults,
	type RunContext,
} from './engine';

/**
 * n8n's credential test (packages/cli CredentialsTester.testCredentials), minus the database: a
 * throw-away node whose only property routes `credential.test.request`, run by n8n-core's
 * RoutingNode, so n8n itself resolves the `={{ $credentials… }}` expressions and sends baseURL and
 * url separately through httpRequestWithAuthentication. Errors are mapped as n8n maps them.
 */
export async function testCredential(credentials: EspoCredentialData): Promise<{ status: 'OK' | 'Error'; message: string }> {
	const { test } = credentialType(CREDENTIAL_TYPE);
	if (!test) return { status: 'Error', message: 'No testing function found for this credential.' };
	const context: RunContext = { binaryMode: 'default', logs: [] };
	return await currentRun.run(context, async () => {
		const probe: INodeType = {
			description: {
				displayName: 'Temp', name: 'credentialTest', group: ['transform'], version: 1, description: '',
				defaults: {}, inputs: ['main'], outputs: ['main'],
				credentials: [{ name: CREDENTIAL_TYPE, required: true }],
				properties: [{ displayName: 'Temp', name: 'temp', type: 'string', default: '', routing: { request: test.request } }],
			},
		};
		const node: INode = {
			id: 'temp', name: 'Temp-Node', type: 'credentialTest', typeVersion: 1, position: [0, 0], parameters: {},
			credentials: { [CREDENTIAL_TYPE]: { id: 'cred-1', name: 'EspoCRM (test)' } },
		};
		const workflow = new Workflow({
			nodes: [node], connections: {}, active: false,
			nodeTypes: { ...nodeTypes, getByName: () => probe, getByNameAndVersion: () => probe },
		});
		const additionalData = additionalDataFor(nextExecutionId('credential-test'), { id: 'credential-test', name: 'Credential test', nodes: [node] }, credentials);
		const runData = createRunExecutionData({ executionData: null });
		const inputData = { main: [[{ json: {} }]] };
		const executeContext = new ExecuteContext(workflow, node, additionalData, 'internal', runData, 0, [], inputData, { node, data: {}, source: null }, []);
		const decrypted = { id: 'cred-1', name: 'EspoCRM (test)', type: CREDENTIAL_TYPE, data: withDefaults(credentials) };
		try {
			await new RoutingNode(executeContext, probe, decrypted).runNode();
		} catch (error) {
			const cause = (error as { cause?: { response?: { status: number; statusText?: string }; code?: string } }).cause;
			if (cause?.response) {
				const { status, statusText } = cause.response;
				for (const rule of test.rules ?? []) {
					if (rule.type === 'responseCode' && rule.properties.value === status) return { status: 'Error', message: rule.properties.message };
				}
				if (status < 199 || status > 299) return { status: 'Error', message: statusText || `Received HTTP status code: ${status}` };
			} else if (cause?.code) {
				return { status: 'Error', message: cause.code };
			}
			return { status: 'Error', message: String((error as Error).message) };
		}
		return { status: 'OK', message: 'Connection successful!' };
	});
}

/**
 * The credential test request with its `={{ $credentials… }}` expressions resolved by n8n's own
 * expression engine (no request is sent): lets a test compare it with normalizeBaseUrl for any host.
 */
export function resolvedCredentialTestRequest(credentials: EspoCredentialData): IDataObject {
	const { test } = credentialType(CREDENTIAL_TYPE);
	if (!test) throw new Error('The credential has no test request');
	const node: INode = { id: 'temp', name: 'Temp-Node', type: INPUT_NODE_TYPE, typeVersion: 1, position: [0, 0], parameters: {} };
	const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
	const additionalKeys = { $credentials: withDefaults(credentials) } as never;
	return workflow.expression.getParameterValue(
		test.request as unknown as INodeParameters, null, 0, 0, node.name, [], 'internal', additionalKeys,
	) as IDataObject;
}
