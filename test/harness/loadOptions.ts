// Calls the node's dropdown (loadOptions) and resource-locator (listSearch) methods the way n8n's
// editor does: n8n-core's LoadOptionsContext with the node's current parameters.
import './env';

import { LoadOptionsContext } from 'n8n-core';
import type { INode, INodeListSearchResult, INodeParameters, INodePropertyOptions } from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

import type { EspoCredentialData } from '../../credentials/espoCrmSigning';
import { additionalDataFor, CREDENTIAL_TYPE, nextExecutionId, nodeTypes, PACKAGE_NODE_TYPE } from './engine';

function contextFor(credentials: EspoCredentialData, parameters: INodeParameters, path: string): LoadOptionsContext {
	const node: INode = {
		id: 'node', name: 'EspoCRM Attachment', type: PACKAGE_NODE_TYPE, typeVersion: 1, position: [0, 0], parameters,
		credentials: { [CREDENTIAL_TYPE]: { id: 'cred-1', name: 'EspoCRM (test)' } },
	};
	const workflowData = { id: 'load-options', name: 'Load options', nodes: [node] };
	const workflow = new Workflow({ ...workflowData, connections: {}, active: false, nodeTypes });
	const additionalData = additionalDataFor(nextExecutionId('load-options'), workflowData, credentials);
	additionalData.currentNodeParameters = parameters;
	return new LoadOptionsContext(workflow, node, additionalData, path);
}

function methodsOf() {
	const type = nodeTypes.getByNameAndVersion(PACKAGE_NODE_TYPE, 1);
	if (!type.methods) throw new Error('the node has no methods');
	return type.methods;
}

export async function loadOptions(
	credentials: EspoCredentialData,
	method: string,
	parameters: INodeParameters = {},
): Promise<INodePropertyOptions[]> {
	const fn = methodsOf().loadOptions?.[method];
	if (!fn) throw new Error(`no loadOptions method ${method}`);
	return await fn.call(contextFor(credentials, parameters, method));
}

export async function listSearch(
	credentials: EspoCredentialData,
	method: string,
	parameters: INodeParameters = {},
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const fn = methodsOf().listSearch?.[method];
	if (!fn) throw new Error(`no listSearch method ${method}`);
	return await fn.call(contextFor(credentials, parameters, method), filter, paginationToken);
}
