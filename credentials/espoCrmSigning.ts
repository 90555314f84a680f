import { createHmac } from 'crypto';

/** How the HMAC signature is encoded inside `X-Hmac-Authorization`. */
export type HmacSignatureFormat = 'hex' | 'raw';

export type EspoAuthMethod = 'apiKey' | 'hmac' | 'password';

/** The decrypted credential, as n8n hands it to `authenticate` and to the node. */
export interface EspoCredentialData {
	baseUrl: string;
	authMethod: EspoAuthMethod;
	apiKey?: string;
	secretKey?: string;
	hmacFormat?: HmacSignatureFormat;
	username?: string;
	password?: string;
	ignoreSslIssues?: boolean;
}

const API_ROOT = '/api/v1';

/**
 * Turns whatever a user pastes as "Base URL" into the site root, without a trailing slash and
 * without `/api/v1`: `https://crm.example.com/`, `https://crm.example.com/api/v1/` and
 * `https://host/crm` (a sub-directory install) all work. A URL of the web UI
 * (`https://crm.example.com/#Document/view/…`, `…/index.php`) is reduced to the site root too.
 * Throws a readable Error for something that is not an http(s) URL.
 */
export function normalizeBaseUrl(input: string): string {
	const raw = (input ?? '').trim();
	if (raw === '') throw new Error('The Base URL is empty. Enter the address of your EspoCRM, e.g. https://crm.example.com');
	if (!/^https?:\/\//i.test(raw)) {
		// Never echo a password: drop anything up to an '@' before quoting the input.
		const shown = raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^@/]*@/i, '$1');
		throw new Error(
			`The Base URL "${shown}" has no http:// or https:// scheme. Enter it as https://crm.example.com`,
		);
	}
	const url = URL.canParse(raw) ? new URL(raw) : undefined;
	if (!url) throw new Error('The Base URL is not a valid URL. Enter it as https://crm.example.com');
	if (url.username || url.password) {
		throw new Error(
			'The Base URL contains a user name or password. Remove them from the URL and choose an Authentication method instead',
		);
	}
	let path = url.pathname.replace(/\/+$/, '');
	const apiAt = path.toLowerCase().search(/\/api\/v1(\/|$)/);
	if (apiAt !== -1) path = path.slice(0, apiAt);
	path = path.replace(/\/index\.php$/i, '').replace(/\/+$/, '');
	return `${url.protocol}//${url.host}${path}`;
}

/** The API root every request goes to: `<site root>/api/v1`. */
export function apiRootOf(baseUrl: string): string {
	return `${normalizeBaseUrl(baseUrl)}${API_ROOT}`;
}

/**
 * The path EspoCRM signs: the request path after `/api/v1`, starting with `/`, without the query
 * string, exactly as sent (percent-encoding kept). Accepts an absolute `url`, or a relative `url`
 * with a `baseURL` (n8n's credential test passes them separately).
 */
export function resourcePathOf(url: string, baseURL?: string): string {
	const absolute = baseURL ? joinUrl(baseURL, url) : url;
	const pathname = new URL(absolute).pathname;
	// `/api/v1` as whole segments, the same match normalizeBaseUrl cuts at: a site under
	// `/tools/api/v10` sends `/tools/api/v10/api/v1/App/user`, and `/App/user` is what is signed.
	const match = /\/api\/v1(?=\/|$)/i.exec(pathname);
	const rest = match ? pathname.slice(match.index + match[0].length) : pathname;
	return rest === '' ? '/' : rest.startsWith('/') ? rest : `/${rest}`;
}

function joinUrl(baseURL: string, url: string): string {
	if (/^https?:\/\//i.test(url)) return url;
	return `${baseURL.replace(/\/+$/, '')}/${url.replace(/^\/+/, '')}`;
}

/**
 * `X-Hmac-Authorization` value: base64(apiKey + ":" + signature), the signature being
 * HMAC-SHA256(secret, "<METHOD> <resource path>").
 * - `hex`: the lowercase hex digest (EspoCRM >= 8.4.1, what its PHP client sends).
 * - `raw`: the 32 raw digest bytes (EspoCRM < 8.4.1); base64 is taken over the BYTES of
 *   `apiKey:` followed by the digest, never over two separately encoded strings.
 */
export function hmacAuthorization(
	apiKey: string,
	secretKey: string,
	method: string,
	resourcePath: string,
	format: HmacSignatureFormat = 'hex',
): string {
	const hmac = createHmac('sha256', secretKey).update(`${method.toUpperCase()} ${resourcePath}`);
	const prefix = Buffer.from(`${apiKey}:`, 'utf8');
	const signature = format === 'raw' ? hmac.digest() : Buffer.from(hmac.digest('hex'), 'utf8');
	return Buffer.concat([prefix, signature]).toString('base64');
}

/** The headers that authenticate one request with the given credential. */
export function authHeadersFor(
	credentials: EspoCredentialData,
	method: string,
	url: string,
	baseURL?: string,
): Record<string, string> {
	switch (credentials.authMethod) {
		case 'hmac':
			return {
				'X-Hmac-Authorization': hmacAuthorization(
					credentials.apiKey ?? '',
					credentials.secretKey ?? '',
					method,
					resourcePathOf(url, baseURL),
					credentials.hmacFormat ?? 'hex',
				),
			};
		case 'password':
			return {
				'Espo-Authorization': Buffer.from(
					`${credentials.username ?? ''}:${credentials.password ?? ''}`,
					'utf8',
				).toString('base64'),
			};
		case 'apiKey':
		default:
			return { 'X-Api-Key': credentials.apiKey ?? '' };
	}
}

/**
 * The headers of a request made with the auth token a password login returned (`base64(user:token)`
 * with `Espo-Authorization-By-Token: true`, as EspoCRM's docs recommend).
 */
export function tokenHeadersFor(username: string | undefined, token: string): Record<string, string> {
	return {
		'Espo-Authorization': Buffer.from(`${username ?? ''}:${token}`, 'utf8').toString('base64'),
		'Espo-Authorization-By-Token': 'true',
	};
}
