import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IDataObject,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { apiRootOf, authHeadersFor, tokenHeadersFor, type EspoAuthMethod, type EspoCredentialData } from '../../../credentials/espoCrmSigning';
import { describeFailure, describeNetworkFailure, isHtml, NOT_THE_API } from '../client/errors';
import { failureOf, header, readText, type EspoRequest, type RawResponse } from '../client/http';

/**
 * The name under which every node that uses the EspoCRM API credential offers its test
 * (`credentials: [{ name: 'espoCrmApi', testedBy: CREDENTIAL_TEST }]`). n8n's CredentialsTester
 * calls `methods.credentialTest[testedBy]` only when the credential type has no `test` of its own.
 */
export const CREDENTIAL_TEST = 'espoCrmApiTest';

/** The credential test's wait for EspoCRM's answer. */
const TEST_TIMEOUT_MS = 30_000;

const SUCCESS = 'Connection successful!';

/** One line: a message and its hint. */
const line = ({ message, description }: { message: string; description: string }) =>
	`${message.replace(/[.\s]+$/, '')}. ${description}`;

/** What the test says to a 401, per authentication method (the node's own hints, describeFailure). */
export function rejectedMessage(authMethod: EspoAuthMethod, reason = ''): string {
	const { message, description } = describeFailure(
		{ status: 401, reason, reasonSent: reason !== '', contentType: '', method: 'GET', path: '/App/user' },
		authMethod,
	);
	return line({ message: message.replace('(401 Unauthorized)', '(401)'), description });
}

export const LOCKOUT_MESSAGE =
	'EspoCRM refused the login (403). After more than 10 failed logins it blocks this IP address for a minute: wait, then test again.';

export const NO_API_MESSAGE =
	'There is no EspoCRM API at this Base URL (404). Use the address you open EspoCRM at, e.g. https://crm.example.com or https://example.com/crm.';

/**
 * A redirect answer: never followed (it would carry the API key, signature or password to whatever
 * the `Location` names). Names where it pointed as scheme://host:port only: never a path, query
 * string or user info of the `Location`.
 */
export function redirectMessage(status: number, apiRoot: string, location: string): string {
	const base = new URL(apiRoot);
	const target = location && URL.canParse(location, apiRoot) ? new URL(location, apiRoot) : undefined;
	if (!target || !/^https?:$/.test(target.protocol)) {
		return `The Base URL answered with a redirect (${status}) without a usable address. The test did not follow it and sent the credentials nowhere else. Open the Base URL in a browser and put the address it ends on into Base URL.`;
	}
	const where = target.origin;
	if (target.hostname !== base.hostname) {
		return `The Base URL answered with a redirect (${status}) to another host, ${where}. The test did not follow it: nothing was sent to ${where}, and the credentials went only to ${base.origin}. If ${where} is your EspoCRM, put its address into Base URL; if not, something in front of ${base.host} (a proxy or a login page) answers instead of EspoCRM.`;
	}
	if (target.origin !== base.origin) {
		const sitePath = base.pathname.replace(/\/api\/v1$/, '');
		return `The Base URL answered with a redirect (${status}) to ${where} (the same host, ${target.protocol === base.protocol ? `port ${target.port || 'default'}` : `${target.protocol.slice(0, -1)} instead of ${base.protocol.slice(0, -1)}`}). The test did not follow it and sent nothing to ${where}. Put ${where}${sitePath} into Base URL.`;
	}
	return `The Base URL answered with a redirect (${status}) to another address on ${where}. The test did not follow it. Open the Base URL in a browser and put the address it ends on (often with a sub-directory) into Base URL.`;
}

interface FullResponse {
	body?: unknown;
	headers?: RawResponse['headers'];
	statusCode: number;
}

/** One request through the helper n8n gives a credential test: no redirect followed, any status returned. */
async function send(
	ctx: ICredentialTestFunctions,
	credentials: EspoCredentialData,
	options: { method: 'GET' | 'POST'; url: string; headers: Record<string, string>; body?: string },
): Promise<RawResponse> {
	const response = (await ctx.helpers.request({
		method: options.method,
		uri: options.url,
		headers: { Accept: 'application/json', ...options.headers },
		body: options.body,
		json: false,
		followRedirect: false,
		followAllRedirects: false,
		rejectUnauthorized: credentials.ignoreSslIssues !== true,
		resolveWithFullResponse: true,
		simple: false,
		timeout: TEST_TIMEOUT_MS,
	})) as FullResponse;
	return { statusCode: response.statusCode, headers: response.headers ?? {}, body: response.body };
}

/**
 * The credential test (the Test button, and Save, in n8n's credential dialog): `GET App/user`
 * signed or logged in exactly as the node does. Returns a readable message for every outcome;
 * never throws and never puts a credential value in a message.
 */
export async function espoCrmApiTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const credentials = (credential.data ?? {}) as unknown as EspoCredentialData;
	const authMethod: EspoAuthMethod = credentials.authMethod ?? 'apiKey';
	let apiRoot: string;
	try {
		apiRoot = apiRootOf(credentials.baseUrl);
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	}
	const url = `${apiRoot}/App/user`;
	const request: EspoRequest = { method: 'GET', path: 'App/user' };
	let response: RawResponse;
	try {
		response = await send(this, credentials, {
			method: 'GET',
			url,
			headers: authHeadersFor({ ...credentials, authMethod }, 'GET', url),
		});
	} catch (error) {
		return { status: 'Error', message: line(describeNetworkFailure(error, new URL(apiRoot).host)) };
	}
	const text = await readText(response.body);
	const { statusCode } = response;
	if (statusCode >= 300 && statusCode < 400) {
		return { status: 'Error', message: redirectMessage(statusCode, apiRoot, header(response.headers, 'location')) };
	}
	if (statusCode < 200 || statusCode >= 300) {
		const failure = failureOf(request, response, text);
		if (statusCode === 401) return { status: 'Error', message: rejectedMessage(authMethod, failure.reason.trim()) };
		if (statusCode === 403 && failure.reason.trim() === '') return { status: 'Error', message: LOCKOUT_MESSAGE };
		if (statusCode === 404 && !failure.reasonSent && !failure.label) return { status: 'Error', message: NO_API_MESSAGE };
		return { status: 'Error', message: line(describeFailure(failure, authMethod)) };
	}
	let appUser: IDataObject | undefined;
	if (!isHtml(header(response.headers, 'content-type'), text)) {
		try {
			const parsed = JSON.parse(text) as unknown;
			if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) appUser = parsed as IDataObject;
		} catch {
			// Not JSON: not the API.
		}
	}
	if (!appUser || !appUser.user || typeof appUser.user !== 'object') return { status: 'Error', message: line(NOT_THE_API) };
	// A password login created an auth token: give it back, as the node does at the end of an execution.
	if (authMethod === 'password' && typeof appUser.token === 'string' && appUser.token !== '') {
		await send(this, credentials, {
			method: 'POST',
			url: `${apiRoot}/App/destroyAuthToken`,
			headers: { ...tokenHeadersFor(credentials.username, appUser.token), 'Content-Type': 'application/json' },
			body: JSON.stringify({ token: appUser.token }),
		}).catch(() => undefined); // The token expires on its own (authTokenMaxIdleTime); the test result stands.
	}
	return { status: 'OK', message: SUCCESS };
}

export const credentialTest = { [CREDENTIAL_TEST]: espoCrmApiTest };
