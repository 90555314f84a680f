import type {
	IAllExecuteFunctions,
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	INode,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { EspoCredentialData } from '../../../credentials/espoCrmSigning';
import { asNodeError, isHtml, networkError, type EspoFailure } from './errors';

/**
 * What the client needs of n8n, whatever runs it: a node's execute, a dropdown, or a trigger's
 * poll, hook and webhook functions. Binary helpers are passed where a file is read or written.
 */
export interface EspoContext {
	getNode(): INode;
	getCredentials<T extends object = ICredentialDataDecryptedObject>(type: string, itemIndex?: number): Promise<T>;
	helpers: Pick<IExecuteFunctions['helpers'], 'httpRequestWithAuthentication'>;
}

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

/** Where requests go and how they authenticate, settled once per client. */
export interface Connection {
	apiRoot: string;
	host: string;
	credentials: EspoCredentialData;
	/** Username & Password: the auth token of this client's one login, sent instead of the password. */
	token?: string;
	tokenHeaders?: Record<string, string>;
	/** Username & Password: the `App/user` answer of that login, so it is not asked for again. */
	appUser?: IDataObject;
}

export interface RawResponse {
	statusCode: number;
	headers: Record<string, string | string[] | undefined>;
	body: unknown;
}

/** `apiPath('Attachment', 'file', id)` → `Attachment/file/<id>`, every segment percent-encoded. */
export function apiPath(...segments: string[]): string {
	return segments.map((segment) => encodeURIComponent(segment)).join('/');
}

/**
 * A list filter as EspoCRM reads it from the query string (api §5.2): `where[0][type]=equals&
 * where[0][attribute]=name&where[0][value]=…`, one entry per condition, all of them required.
 */
export function whereQuery(conditions: Array<[type: string, attribute: string, value?: string]>): IDataObject {
	const qs: IDataObject = {};
	conditions.forEach(([type, attribute, value], index) => {
		qs[`where[${index}][type]`] = type;
		qs[`where[${index}][attribute]`] = attribute;
		if (value !== undefined) qs[`where[${index}][value]`] = value;
	});
	return qs;
}

export function header(headers: RawResponse['headers'], name: string): string {
	const value = headers[name] ?? headers[name.toLowerCase()];
	return Array.isArray(value) ? value.join(', ') : (value ?? '');
}

/** Sends one request and returns the raw answer (any status); no answer at all → a readable NodeApiError. */
export async function sendRequest(
	ctx: EspoContext,
	connection: Connection,
	request: EspoRequest,
	encoding: 'text' | 'stream',
	timeoutMs: number,
): Promise<RawResponse> {
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
		timeout: timeoutMs,
	};
	if (isBuffer && options.headers) options.headers['Content-Length'] = String((request.body as Buffer).length);
	try {
		// Every n8n context that can hold this client is one of IAllExecuteFunctions.
		return (await ctx.helpers.httpRequestWithAuthentication.call(
			ctx as unknown as IAllExecuteFunctions,
			CREDENTIAL_TYPE,
			options,
		)) as RawResponse;
	} catch (error) {
		// n8n's own failures (no credential set, domain not allowed) are already readable.
		if (error instanceof NodeOperationError) throw asNodeError(ctx.getNode(), error);
		throw networkError(ctx.getNode(), error, connection.host, request.itemIndex);
	}
}

export async function readText(body: unknown): Promise<string> {
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

/** What EspoCRM answered to a failed request, parsed once here. */
export function failureOf(request: EspoRequest, response: RawResponse, text: string): EspoFailure {
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
