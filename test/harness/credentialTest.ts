import type { ICredentialsDecrypted, ICredentialTestFunction, INodeCredentialTestResult, INodeType } from 'n8n-workflow';
import { VersionedNodeType } from 'n8n-workflow';
import { CredentialTestContext } from 'n8n-core';

import type { EspoCredentialData } from '../../credentials/espoCrmSigning';
import {
	additionalDataFor, credentialType, CREDENTIAL_TYPE, currentRun, loader, nextExecutionId, nodeTypes, withDefaults,
	type RunContext,
} from './engine';

/**
 * Where n8n's CredentialsTester.getCredentialTestFunction (packages/cli, 1.x and 2.x) finds the
 * test: the credential type's own `test` if it has one; otherwise, for each node that supports the
 * credential, the `testedBy` of its credential entry, a name in `methods.credentialTest`.
 * Returns which node offered it, so a test can check that every node offers the same one.
 */
export function credentialTestFunctionsOf(): Array<{ node: string; testedBy: string; test: ICredentialTestFunction }> {
	const found: Array<{ node: string; testedBy: string; test: ICredentialTestFunction }> = [];
	for (const nodeName of loader.known.credentials[CREDENTIAL_TYPE]?.supportedNodes ?? []) {
		const node = nodeTypes.getByName(nodeName);
		const versions: INodeType[] = node instanceof VersionedNodeType ? Object.values(node.nodeVersions) : [node as INodeType];
		for (const nodeType of versions) {
			for (const { name, testedBy } of nodeType.description.credentials ?? []) {
				if (name !== CREDENTIAL_TYPE || typeof testedBy !== 'string') continue;
				const test = nodeType.methods?.credentialTest?.[testedBy];
				if (!test) throw new Error(`${nodeName}: testedBy "${testedBy}" names no methods.credentialTest function (n8n would fail here)`);
				found.push({ node: nodeName, testedBy, test });
			}
		}
	}
	return found;
}

/**
 * n8n's credential test (CredentialsTester.testCredentials), minus the database: the credential
 * type has no `test`, so n8n calls the first supporting node's `testedBy` function with `this` = a
 * new n8n-core CredentialTestContext (its `helpers.request` is n8n's own legacy request adapter)
 * and the decrypted credential with the type's defaults applied, as applyDefaultsAndOverwrites does.
 */
export async function testCredential(credentials: EspoCredentialData): Promise<INodeCredentialTestResult> {
	if (credentialType(CREDENTIAL_TYPE).test) throw new Error('The credential has a declarative test: n8n would run that, not the nodes\' testedBy function');
	const [first] = credentialTestFunctionsOf();
	if (!first) return { status: 'Error', message: 'No testing function found for this credential.' };
	const context: RunContext = { binaryMode: 'default', logs: [] };
	return await currentRun.run(context, async () => {
		const additionalData = additionalDataFor(nextExecutionId('credential-test'), { id: 'credential-test', name: 'Credential test', nodes: [] }, null);
		const decrypted: ICredentialsDecrypted = { id: 'cred-1', name: 'EspoCRM (test)', type: CREDENTIAL_TYPE, data: withDefaults(credentials) };
		return await first.test.call(new CredentialTestContext(additionalData), decrypted);
	});
}
