// Where `npm start` sends the files: the EspoCRM emulator (default), or a real EspoCRM named by
// ESPOCRM_URL and credentials in the environment. A real one gets its own demo Case, and everything
// the demo created there is removed at the end.
import { apiRootOf, authHeadersFor, type EspoCredentialData } from '../../credentials/espoCrmSigning';
import { startEmulator } from '../../test/emulator';
import { testCredential } from '../../test/harness';
import { sha256 } from './scenario.mjs';

export interface DemoTarget {
	description: string;
	credentials: EspoCredentialData;
	/** A Case that already has one file in `attachments`. */
	caseId: string;
	/** Where "stored sha256" comes from. */
	storedShaSource: string;
	readRecord(entityType: string, id: string): Promise<Record<string, unknown>>;
	storedSha256(attachmentId: string): Promise<string>;
	/** Removes what the demo created; returns one line per removal. */
	cleanUp(created: { records: Array<{ entityType: string; id: string }>; attachmentIds: string[] }): Promise<string[]>;
	close(): Promise<void>;
}

export async function demoTarget(env: NodeJS.ProcessEnv): Promise<DemoTarget> {
	return env.ESPOCRM_URL ? await realEspoCrm(env.ESPOCRM_URL, env) : await emulator();
}

async function emulator(): Promise<DemoTarget> {
	const em = await startEmulator();
	const { apiUser } = em.users;
	const seed = em.seed!;
	return {
		description:
			`EspoCRM emulator at ${em.url} (demo credentials: API user, X-Api-Key ${apiUser.apiKey})\n` +
			`  demo data: Case ${seed.caseId} "Demo Case" with existing.txt (attachment ${seed.caseAttachmentId})`,
		credentials: { baseUrl: em.url, authMethod: 'apiKey', apiKey: apiUser.apiKey },
		caseId: seed.caseId,
		storedShaSource: "the emulator's stored file",
		readRecord: async (entityType, id) => {
			const record = em.state.record(entityType, id);
			if (!record) throw new Error(`The emulator has no ${entityType} ${id}`);
			return record;
		},
		storedSha256: async (id) => em.state.sha256(id),
		cleanUp: async () => ['nothing to remove: the emulator and its files are thrown away'],
		close: async () => await em.close(),
	};
}

function credentialsFrom(baseUrl: string, env: NodeJS.ProcessEnv): EspoCredentialData {
	const ignoreSslIssues = env.ESPOCRM_IGNORE_SSL === 'true';
	if (env.ESPOCRM_API_KEY) return { baseUrl, authMethod: 'apiKey', apiKey: env.ESPOCRM_API_KEY, ignoreSslIssues };
	if (env.ESPOCRM_HMAC_KEY && env.ESPOCRM_HMAC_SECRET) {
		const hmacFormat = env.ESPOCRM_HMAC_FORMAT === 'raw' ? 'raw' : 'hex';
		return { baseUrl, authMethod: 'hmac', apiKey: env.ESPOCRM_HMAC_KEY, secretKey: env.ESPOCRM_HMAC_SECRET, hmacFormat, ignoreSslIssues };
	}
	if (env.ESPOCRM_USERNAME && env.ESPOCRM_PASSWORD) {
		return { baseUrl, authMethod: 'password', username: env.ESPOCRM_USERNAME, password: env.ESPOCRM_PASSWORD, ignoreSslIssues };
	}
	throw new Error('ESPOCRM_URL is set, but no credentials: set ESPOCRM_API_KEY, or ESPOCRM_HMAC_KEY and ESPOCRM_HMAC_SECRET, or ESPOCRM_USERNAME and ESPOCRM_PASSWORD');
}

/** A few direct API calls (the demo's own, not the node's): set up, check, and clean up. */
function apiClient(credentials: EspoCredentialData) {
	const root = apiRootOf(credentials.baseUrl);
	if (credentials.ignoreSslIssues) process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
	return async (method: string, path: string, body?: unknown): Promise<Response> => {
		const url = `${root}/${path}`;
		const response = await fetch(url, {
			method,
			headers: { ...authHeadersFor(credentials, method, url), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
			body: body === undefined ? undefined : JSON.stringify(body),
		}).catch((error: Error & { cause?: { code?: string; message?: string } }) => {
			throw new Error(`${method} ${path}: EspoCRM at ${root} could not be reached (${error.cause?.code ?? error.cause?.message ?? error.message}): check ESPOCRM_URL and the network`);
		});
		if (!response.ok) {
			const reason = response.headers.get('x-status-reason');
			throw new Error(`${method} ${path}: HTTP ${response.status}${reason ? ` (${reason})` : ''}`);
		}
		return response;
	};
}

async function realEspoCrm(baseUrl: string, env: NodeJS.ProcessEnv): Promise<DemoTarget> {
	const credentials = credentialsFrom(baseUrl, env);
	// First the credential's own Test (as n8n's credential dialog runs it): a wrong key or address
	// then reads as the node's message, not as a failed set-up request.
	const tested = await testCredential(credentials);
	if (tested.status !== 'OK') {
		const unreachable = /^(Could not connect to|Could not find the host|Could not reach)/.test(tested.message.trim());
		const hint = unreachable ? ' — nothing answered there: check ESPOCRM_URL (the address you open EspoCRM at) and the network' : '';
		throw new Error(`the credential test failed for ${apiRootOf(baseUrl)}: ${tested.message}${hint}`);
	}
	const api = apiClient(credentials);
	const json = async (method: string, path: string, body?: unknown) => (await (await api(method, path, body)).json()) as Record<string, unknown>;

	// The demo's own Case, with one file already there: the demo shows that it stays.
	const existing = Buffer.from('a file the Case had before the demo\n', 'utf8');
	const attachment = await json('POST', 'Attachment', {
		name: 'existing.txt', type: 'text/plain', role: 'Attachment', parentType: 'Case', field: 'attachments',
		file: `data:text/plain;base64,${existing.toString('base64')}`,
	});
	const demoCase = await json('POST', 'Case', {
		name: `n8n-nodes-espocrm-attachments demo ${new Date().toISOString()}`, attachmentsIds: [attachment.id],
	});
	const setUp = { caseId: String(demoCase.id), attachmentId: String(attachment.id) };

	return {
		description:
			`EspoCRM at ${apiRootOf(baseUrl)} (${credentials.authMethod} authentication)\n` +
			`  demo data: created Case ${setUp.caseId} with existing.txt (attachment ${setUp.attachmentId}); removed at the end`,
		credentials,
		caseId: setUp.caseId,
		storedShaSource: 'a direct GET Attachment/file/{id}',
		readRecord: async (entityType, id) => await json('GET', `${entityType}/${encodeURIComponent(id)}`),
		storedSha256: async (id) => sha256(Buffer.from(await (await api('GET', `Attachment/file/${encodeURIComponent(id)}`)).arrayBuffer())),
		cleanUp: async (created) => {
			const lines: string[] = [];
			const remove = async (path: string) => {
				try {
					await api('DELETE', path);
					lines.push(`removed ${path}`);
				} catch (error) {
					lines.push(`could not remove ${path}: ${(error as Error).message}`);
				}
			};
			for (const { entityType, id } of [...created.records, { entityType: 'Case', id: setUp.caseId }]) await remove(`${entityType}/${id}`);
			for (const id of new Set([...created.attachmentIds, setUp.attachmentId])) await remove(`Attachment/${id}`);
			return lines;
		},
		close: async () => undefined,
	};
}
