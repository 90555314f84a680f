import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { apiRootOf, type EspoCredentialData } from '../../../credentials/espoCrmSigning';
import {
	asNodeError,
	espoApiError,
	espoFailureOf,
	type EspoFailure,
	isHtml,
	networkError,
	notTheApiError,
} from './errors';

export { asNodeError, espoFailureOf };
export type { EspoFailure };

export type EspoContext = IExecuteFunctions | ILoadOptionsFunctions;

/** A readable body, typed from n8n's own helper signature (community nodes may not import 'stream'). */
export type BinaryStream = Awaited<ReturnType<IExecuteFunctions['helpers']['getBinaryStream']>>;

export interface EspoRequest {
	method: IHttpRequestMethods;
	/** A path below /api/v1 built with `apiPath()`, so every segment is encoded. */
	path: string;
	qs?: IDataObject;
	body?: IDataObject | IDataObject[] | Buffer;
	headers?: Record<string, string>;
	itemIndex?: number;
}

export const CREDENTIAL_TYPE = 'espoCrmApi';
const DEFAULT_TIMEOUT_MS = 300_000;

interface Connection {
	apiRoot: string;
	host: string;
	credentials: EspoCredentialData;
	/** Username & Password: the auth token of this execution's one login, sent instead of the password. */
	tokenHeaders?: Record<string, string>;
	/** Username & Password: the `App/user` answer of that login, so it is not asked for again. */
	appUser?: IDataObject;
}

const connections = new WeakMap<object, Promise<Connection>>();
const timeouts = new WeakMap<object, number>();

/** Sets the per-request timeout for everything this execution context sends. */
export function setRequestTimeout(ctx: EspoContext, timeoutMs: number): void {
	timeouts.set(ctx, timeoutMs);
}

/** The credential, read and normalised once per execution context. */
export async function connectionOf(ctx: EspoContext, itemIndex?: number): Promise<Connection> {
	let connection = connections.get(ctx);
	if (!connection) {
		connection = (async () => {
			const credentials = (await ctx.getCredentials(CREDENTIAL_TYPE)) as unknown as EspoCredentialData;
			let apiRoot: string;
			try {
				apiRoot = apiRootOf(credentials.baseUrl);
			} catch (error) {
				throw new NodeOperationError(ctx.getNode(), (error as Error).message, {
					description: 'Fix the Base URL in the EspoCRM API credential.',
					itemIndex,
				});
			}
			const base: Connection = { apiRoot, host: new URL(apiRoot).host, credentials };
			return credentials.authMethod === 'password' ? await logIn(ctx, base, itemIndex) : base;
		})();
		connections.set(ctx, connection);
		connection.catch(() => connections.delete(ctx));
	}
	return await connection;
}

/** `apiPath('Attachment', 'file', id)` → `Attachment/file/<id>`, every segment percent-encoded. */
export function apiPath(...segments: string[]): string {
	return segments.map((segment) => encodeURIComponent(segment)).join('/');
}

interface RawResponse {
	statusCode: number;
	headers: Record<string, string | string[] | undefined>;
	body: unknown;
}

function header(headers: RawResponse['headers'], name: string): string {
	const value = headers[name] ?? headers[name.toLowerCase()];
	return Array.isArray(value) ? value.join(', ') : (value ?? '');
}

/**
 * Every password login makes EspoCRM create an auth token (and an auth-log entry), so the node logs
 * in once per execution (`GET App/user`) and sends `base64(user:token)` with
 * `Espo-Authorization-By-Token: true` afterwards, as EspoCRM's docs recommend.
 */
async function logIn(ctx: EspoContext, base: Connection, itemIndex?: number): Promise<Connection> {
	const request: EspoRequest = { method: 'GET', path: apiPath('App', 'user'), itemIndex };
	const { response } = await sendWith(ctx, base, request, 'text');
	const text = await readText(response.body);
	if (response.statusCode < 200 || response.statusCode >= 300) fail(ctx, base, request, response, text);
	let appUser: IDataObject | null;
	try {
		appUser = JSON.parse(text) as IDataObject | null;
	} catch {
		throw notTheApiError(ctx.getNode(), failureOf(request, response, ''), itemIndex);
	}
	const token = appUser?.token;
	if (typeof token !== 'string' || token === '') return { ...base, appUser: appUser ?? undefined };
	const login = Buffer.from(`${base.credentials.username ?? ''}:${token}`, 'utf8').toString('base64');
	return {
		...base,
		appUser: appUser ?? undefined,
		tokenHeaders: { 'Espo-Authorization': login, 'Espo-Authorization-By-Token': 'true' },
	};
}

/** `GET App/user` (the user, its settings and the app params), reusing the answer of a password login. */
export async function appUserOf(ctx: EspoContext, itemIndex?: number): Promise<unknown> {
	const { appUser } = await connectionOf(ctx, itemIndex);
	return appUser ?? (await espoRequest<unknown>(ctx, { method: 'GET', path: apiPath('App', 'user'), itemIndex }));
}

async function send(
	ctx: EspoContext,
	request: EspoRequest,
	encoding: 'text' | 'stream',
): Promise<{ response: RawResponse; connection: Connection }> {
	return await sendWith(ctx, await connectionOf(ctx, request.itemIndex), request, encoding);
}

async function sendWith(
	ctx: EspoContext,
	connection: Connection,
	request: EspoRequest,
	encoding: 'text' | 'stream',
): Promise<{ response: RawResponse; connection: Connection }> {
	const isBuffer = Buffer.isBuffer(request.body);
	const options: IHttpRequestOptions = {
		method: request.method,
		url: `${connection.apiRoot}/${request.path}`,
		qs: request.qs,
		headers: {
			Accept: 'application/json',
			// EspoCRM ignores a body that is not sent as application/json (400 No file contents.).
			...(request.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
			...connection.tokenHeaders,
			...request.headers,
		},
		body: request.body,
		json: false,
		encoding,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		// A redirect would turn a POST into a GET and silently drop the body: report it instead.
		disableFollowRedirect: true,
		skipSslCertificateValidation: connection.credentials.ignoreSslIssues === true,
		timeout: timeouts.get(ctx) ?? DEFAULT_TIMEOUT_MS,
	};
	if (isBuffer && options.headers) options.headers['Content-Length'] = String((request.body as Buffer).length);
	try {
		const response = (await ctx.helpers.httpRequestWithAuthentication.call(
			ctx,
			CREDENTIAL_TYPE,
			options,
		)) as RawResponse;
		return { response, connection };
	} catch (error) {
		// n8n's own failures (no credential set, domain not allowed) are already readable.
		if (error instanceof NodeOperationError) throw asNodeError(ctx.getNode(), error);
		throw networkError(ctx.getNode(), error, connection.host, request.itemIndex);
	}
}

async function readText(body: unknown): Promise<string> {
	if (typeof body === 'string') return body;
	if (Buffer.isBuffer(body)) return body.toString('utf8');
	if (body && typeof body === 'object' && Symbol.asyncIterator in body) {
		const parts: Buffer[] = [];
		let total = 0;
		for await (const part of body as AsyncIterable<Buffer | string>) {
			const buffer = Buffer.isBuffer(part) ? part : Buffer.from(part);
			// An error body is small; never buffer a whole file just to report an error.
			if (total < 65536) parts.push(buffer);
			total += buffer.length;
		}
		return Buffer.concat(parts).toString('utf8');
	}
	return body === undefined || body === null ? '' : JSON.stringify(body);
}

function failureOf(request: EspoRequest, response: RawResponse, text: string): EspoFailure {
	const failure: EspoFailure = {
		status: response.statusCode,
		reason: header(response.headers, 'x-status-reason'),
		reasonSent: response.headers['x-status-reason'] !== undefined,
		contentType: header(response.headers, 'content-type'),
		method: request.method,
		path: `/${request.path}`,
	};
	const location = header(response.headers, 'location');
	if (location) failure.location = location.replace(/\/\/[^@/]*@/, '//');
	if (text && !isHtml(failure.contentType, text)) {
		try {
			const parsed = JSON.parse(text) as unknown;
			failure.body = parsed;
			if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
				const object = parsed as IDataObject;
				const translation = object.messageTranslation as IDataObject | undefined;
				if (translation && typeof translation.label === 'string') {
					failure.label = translation.label;
					failure.labelData = (translation.data as IDataObject | undefined) ?? undefined;
				}
				if (typeof object.message === 'string') failure.bodyMessage = object.message;
			}
		} catch {
			// Not JSON: EspoCRM's error bodies are mostly empty; the reason header carries the message.
		}
	}
	return failure;
}

function fail(ctx: EspoContext, connection: Connection, request: EspoRequest, response: RawResponse, text: string): never {
	throw espoApiError(
		ctx.getNode(),
		failureOf(request, response, text),
		connection.credentials.authMethod,
		request.itemIndex,
	);
}

/**
 * One EspoCRM API call with a JSON (or empty) answer. Returns the parsed body, `undefined` for an
 * empty body (EspoCRM answers `Metadata?key=<unknown>` with 200 and 0 bytes). Throws a
 * NodeApiError with a readable message and hint for every failure.
 */
export async function espoRequest<T = unknown>(ctx: EspoContext, request: EspoRequest): Promise<T> {
	const { response, connection } = await send(ctx, request, 'text');
	const text = await readText(response.body);
	if (response.statusCode < 200 || response.statusCode >= 300) fail(ctx, connection, request, response, text);
	if (text.trim() === '') return undefined as T;
	const contentType = header(response.headers, 'content-type');
	if (isHtml(contentType, text)) {
		throw notTheApiError(ctx.getNode(), failureOf(request, response, ''), request.itemIndex);
	}
	try {
		return JSON.parse(text) as T;
	} catch {
		throw notTheApiError(ctx.getNode(), failureOf(request, response, ''), request.itemIndex);
	}
}

export interface StreamResponse {
	stream: BinaryStream;
	contentLength?: number;
	contentType: string;
}

/** A download: the body as a stream (never buffered here), after the status was checked. */
export async function espoStream(ctx: EspoContext, request: EspoRequest): Promise<StreamResponse> {
	const { response, connection } = await send(ctx, request, 'stream');
	if (response.statusCode < 200 || response.statusCode >= 300) {
		fail(ctx, connection, request, response, await readText(response.body));
	}
	const contentType = header(response.headers, 'content-type');
	const length = Number.parseInt(header(response.headers, 'content-length'), 10);
	return {
		stream: response.body as BinaryStream,
		contentLength: Number.isFinite(length) ? length : undefined,
		contentType,
	};
}
