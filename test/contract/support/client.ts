// A tiny black-box HTTP client for the contract cases: node:http(s) so the raw header names
// (`Content-type` vs `Content-Type`) and the raw header bytes stay visible. Own signing, no node code.
import { createHmac } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';

export type HmacEncoding = 'hex' | 'raw';

export type Auth =
	| { apiKey: string }
	| { hmac: { key: string; secret: string; encoding?: HmacEncoding } }
	| { espo: { user: string; secret: string; byToken?: boolean; code?: string } }
	| { basic: { user: string; password: string } }
	| null;

export interface Reply {
	status: number;
	/** Lower-cased names, as Node parses them. */
	headers: IncomingHttpHeaders;
	/** Names as sent, values as latin1 strings (the raw bytes). */
	rawHeaders: [string, string][];
	body: Buffer;
	text: string;
	json<T = unknown>(): T;
	/** The header value or undefined. */
	header(name: string): string | undefined;
	/** The header name exactly as the server spelled it. */
	rawName(name: string): string | undefined;
	/** A header's raw bytes decoded as UTF-8 (Content-Disposition carries raw UTF-8, observed §4.03). */
	utf8Header(name: string): string | undefined;
}

export interface RequestOptions {
	auth?: Auth;
	/** JSON-encoded unless a Buffer or a string is given. */
	body?: unknown;
	/** Default application/json when a body is given; null sends none. */
	contentType?: string | null;
	headers?: Record<string, string>;
	/** Sign this path instead of the one sent (observed §1.13). */
	signPath?: string;
}

/** HMAC header (api §2.3): base64(apiKey + ":" + signature) over "<METHOD> /<path>", hex or the legacy raw bytes. */
export function hmacAuthorization(key: string, secret: string, method: string, resourcePath: string, encoding: HmacEncoding = 'hex'): string {
	const digest = createHmac('sha256', secret).update(`${method} ${resourcePath}`).digest();
	const signature = encoding === 'hex' ? Buffer.from(digest.toString('hex')) : digest;
	return Buffer.concat([Buffer.from(`${key}:`), signature]).toString('base64');
}

function authHeaders(auth: Auth | undefined, method: string, resourcePath: string): Record<string, string> {
	if (!auth) return {};
	if ('apiKey' in auth) return { 'X-Api-Key': auth.apiKey };
	if ('hmac' in auth) return { 'X-Hmac-Authorization': hmacAuthorization(auth.hmac.key, auth.hmac.secret, method, resourcePath, auth.hmac.encoding) };
	if ('espo' in auth) {
		const headers: Record<string, string> = { 'Espo-Authorization': Buffer.from(`${auth.espo.user}:${auth.espo.secret}`).toString('base64') };
		if (auth.espo.byToken) headers['Espo-Authorization-By-Token'] = 'true';
		if (auth.espo.code) headers['Espo-Authorization-Code'] = auth.espo.code;
		return headers;
	}
	return { Authorization: `Basic ${Buffer.from(`${auth.basic.user}:${auth.basic.password}`).toString('base64')}` };
}

// A new connection per request: with keep-alive, a case that spends longer than the server's
// keep-alive timeout building its body (32 MiB on a busy machine) reused a socket the server had just
// closed, and failed with `read ECONNRESET` for a reason unrelated to the case.
const agents = { http: new http.Agent({ keepAlive: false }), https: new https.Agent({ keepAlive: false, rejectUnauthorized: false }) };

/** `path` is relative to `apiUrl` (e.g. `/Attachment?x=1`); HMAC signs it without the query. */
export function request(apiUrl: string, method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
	const url = new URL(apiUrl + path);
	const resourcePath = options.signPath ?? path.split('?')[0];
	const headers: Record<string, string> = { ...authHeaders(options.auth, method, resourcePath), ...options.headers };
	let payload: Buffer | undefined;
	if (options.body !== undefined) {
		payload = Buffer.isBuffer(options.body) ? options.body : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
		if (options.contentType !== null) headers['Content-Type'] = options.contentType ?? 'application/json';
		headers['Content-Length'] = String(payload.length);
	}
	const secure = url.protocol === 'https:';
	return new Promise((resolve, reject) => {
		const req = (secure ? https : http).request(
			url,
			{ method, headers, agent: secure ? agents.https : agents.http },
			(res) => {
				const parts: Buffer[] = [];
				res.on('data', (chunk: Buffer) => parts.push(chunk));
				res.on('error', reject);
				res.on('end', () => {
					const body = Buffer.concat(parts);
					const raw: [string, string][] = [];
					for (let i = 0; i < res.rawHeaders.length; i += 2) raw.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
					const find = (name: string) => raw.find(([n]) => n.toLowerCase() === name.toLowerCase());
					resolve({
						status: res.statusCode ?? 0,
						headers: res.headers,
						rawHeaders: raw,
						body,
						text: body.toString('utf8'),
						json: <T>() => JSON.parse(body.toString('utf8')) as T,
						header: (name) => find(name)?.[1],
						rawName: (name) => find(name)?.[0],
						utf8Header: (name) => {
							const value = find(name)?.[1];
							return value === undefined ? undefined : Buffer.from(value, 'latin1').toString('utf8');
						},
					});
				});
			},
		);
		req.on('error', reject);
		req.end(payload);
	});
}

/** A user's view of the API: `api.get('/App/user')`, `api.post('/Attachment', {...})`. */
export class Api {
	/**
	 * `guard` sees every request before it goes (`reply` undefined) and every reply; it may throw, e.g.
	 * to stop at a failed-login lockout (lockout.ts). Copies made with `with()` keep it.
	 */
	constructor(
		readonly apiUrl: string,
		readonly auth: Auth,
		readonly guard?: (reply?: Reply) => void,
	) {}

	async send(method: string, path: string, options: Omit<RequestOptions, 'auth'> = {}): Promise<Reply> {
		this.guard?.();
		const reply = await request(this.apiUrl, method, path, { ...options, auth: this.auth });
		this.guard?.(reply);
		return reply;
	}

	get(path: string, options?: Omit<RequestOptions, 'auth'>): Promise<Reply> {
		return this.send('GET', path, options);
	}

	head(path: string, options?: Omit<RequestOptions, 'auth'>): Promise<Reply> {
		return this.send('HEAD', path, options);
	}

	post(path: string, body?: unknown, options?: Omit<RequestOptions, 'auth' | 'body'>): Promise<Reply> {
		return this.send('POST', path, { ...options, body });
	}

	put(path: string, body: unknown, options?: Omit<RequestOptions, 'auth' | 'body'>): Promise<Reply> {
		return this.send('PUT', path, { ...options, body });
	}

	patch(path: string, body: unknown, options?: Omit<RequestOptions, 'auth' | 'body'>): Promise<Reply> {
		return this.send('PATCH', path, { ...options, body });
	}

	delete(path: string, body?: unknown, options?: Omit<RequestOptions, 'auth' | 'body'>): Promise<Reply> {
		return this.send('DELETE', path, { ...options, body });
	}

	with(auth: Auth): Api {
		return new Api(this.apiUrl, auth, this.guard);
	}
}
