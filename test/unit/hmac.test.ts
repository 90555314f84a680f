import {
	apiRootOf,
	authHeadersFor,
	hmacAuthorization,
	resourcePathOf,
	type EspoCredentialData,
} from '../../credentials/espoCrmSigning';

// Golden vectors for X-Hmac-Authorization, computed with openssl + coreutils, not with our code.
// Shell variables used in the commands below:
//   K32=7f3a9c2e5b8d4f1a6c0e9b2d7a4f8c1e   (32 chars, like EspoCRM's keys: 32 + 1 IS a multiple of 3)
//   K30=ak-30-chars-long-key-012345678     (30 chars: 30 + 1 is NOT a multiple of 3, so base64 of
//                                           "key:" does not end on a 3-byte boundary and encoding
//                                           the key and the digest separately would go wrong)
//   S=5e1b9d3f7a2c6e0b8d4f1a9c3e7b5d2f
// hex: printf "$K:%s" "$(printf '%s' '<METHOD> <path>' | openssl dgst -sha256 -hmac "$S" -r | cut -d' ' -f1)" | base64 -w0
// raw: { printf '%s:' "$K"; printf '%s' '<METHOD> <path>' | openssl dgst -sha256 -hmac "$S" -binary; } | base64 -w0
const K32 = '7f3a9c2e5b8d4f1a6c0e9b2d7a4f8c1e';
const K30 = 'ak-30-chars-long-key-012345678';
const S = '5e1b9d3f7a2c6e0b8d4f1a9c3e7b5d2f';

const VECTORS = {
	// K=$K32, 'GET /App/user'
	appUserK32: {
		hex: 'N2YzYTljMmU1YjhkNGYxYTZjMGU5YjJkN2E0ZjhjMWU6ODA5NWY3NDZmODQ5MjNkOTYwN2NmZmYzZjE4OGQ2NTM3NzllODg1MGY5ZjNhMjVkOTU0YTY4YzRhYTYyNDRkMQ==',
		raw: 'N2YzYTljMmU1YjhkNGYxYTZjMGU5YjJkN2E0ZjhjMWU6gJX3RvhJI9lgfP/z8YjWU3eeiFD586JdlUpoxKpiRNE=',
	},
	// K=$K30, 'GET /App/user'
	appUserK30: {
		hex: 'YWstMzAtY2hhcnMtbG9uZy1rZXktMDEyMzQ1Njc4OjgwOTVmNzQ2Zjg0OTIzZDk2MDdjZmZmM2YxODhkNjUzNzc5ZTg4NTBmOWYzYTI1ZDk1NGE2OGM0YWE2MjQ0ZDE=',
		raw: 'YWstMzAtY2hhcnMtbG9uZy1rZXktMDEyMzQ1Njc4OoCV90b4SSPZYHz/8/GI1lN3nohQ+fOiXZVKaMSqYkTR',
	},
	// K=$K32, 'GET /Document/abc%20def'
	percentEncoded: {
		hex: 'N2YzYTljMmU1YjhkNGYxYTZjMGU5YjJkN2E0ZjhjMWU6YzJkYmNhYTQ0NTRkZTU3OGMwZTE0MjdlMTA1YjljYzliMThkZThiMzJkNjQwYzA2NzRkN2RiNzBkYjBmOWFmYg==',
		raw: 'N2YzYTljMmU1YjhkNGYxYTZjMGU5YjJkN2E0ZjhjMWU6wtvKpEVN5XjA4UJ+EFucybGN6LMtZAwGdNfbcNsPmvs=',
	},
	// K=$K32, 'GET /Account'
	account: {
		hex: 'N2YzYTljMmU1YjhkNGYxYTZjMGU5YjJkN2E0ZjhjMWU6Nzg1ZWVjYmIxZmIwMGEyYzZlZGQ3Y2I4NDUyNjA0MDZlOWVlYTMxNzNlYWEzOWExNTVhZDlmN2MxNzUzZDQyOQ==',
		raw: 'N2YzYTljMmU1YjhkNGYxYTZjMGU5YjJkN2E0ZjhjMWU6eF7sux+wCixu3Xy4RSYEBunuoxc+qjmhVa2ffBdT1Ck=',
	},
	// K=$K32, 'GET /'
	apiRoot: {
		hex: 'N2YzYTljMmU1YjhkNGYxYTZjMGU5YjJkN2E0ZjhjMWU6YzBjNGM3N2ZjNDg0ODU1ZGI3NDk2MTk1NmIwYmY2MTA1NDNhNDc1YWNiYzkzNGY2MTMwNzU4NzIxMmEzMjM3ZQ==',
		raw: 'N2YzYTljMmU1YjhkNGYxYTZjMGU5YjJkN2E0ZjhjMWU6wMTHf8SEhV23SWGVawv2EFQ6R1rLyTT2EwdYchKjI34=',
	},
	// K=$K30, 'POST /Attachment'
	postAttachmentK30: {
		hex: 'YWstMzAtY2hhcnMtbG9uZy1rZXktMDEyMzQ1Njc4OjQ5NjM5MmExOTE5MGMxZjMyMTcyODAxNzE3NjBhODg3ZDE2ODg1YzExNzBiZWJkNzllZjNmNTY1YTQxODgyYmE=',
		raw: 'YWstMzAtY2hhcnMtbG9uZy1rZXktMDEyMzQ1Njc4OkljkqGRkMHzIXKAFxdgqIfRaIXBFwvr157z9WWkGIK6',
	},
} as const;

describe('hmacAuthorization matches openssl-computed vectors', () => {
	const cases: Array<[string, string, string, string, keyof typeof VECTORS]> = [
		['32-char key (length + 1 divisible by 3)', K32, 'GET', '/App/user', 'appUserK32'],
		['30-char key (length + 1 not divisible by 3)', K30, 'GET', '/App/user', 'appUserK30'],
		['percent-encoded path, signed as sent', K32, 'GET', '/Document/abc%20def', 'percentEncoded'],
		['plain entity list path', K32, 'GET', '/Account', 'account'],
		['the API root', K32, 'GET', '/', 'apiRoot'],
		['POST with a lowercase method name', K30, 'post', '/Attachment', 'postAttachmentK30'],
	];

	it.each(cases)('hex format: %s', (_name, key, method, path, vector) => {
		expect(hmacAuthorization(key, S, method, path, 'hex')).toBe(VECTORS[vector].hex);
	});

	it.each(cases)('raw format: %s', (_name, key, method, path, vector) => {
		expect(hmacAuthorization(key, S, method, path, 'raw')).toBe(VECTORS[vector].raw);
	});

	it('defaults to the hex format', () => {
		expect(hmacAuthorization(K32, S, 'GET', '/App/user')).toBe(VECTORS.appUserK32.hex);
	});

	it('raw format is base64 over the bytes of "key:" + digest, not two base64 strings glued together', () => {
		const digest = Buffer.from(VECTORS.appUserK30.raw, 'base64').subarray(K30.length + 1);
		const glued = Buffer.from(`${K30}:`).toString('base64') + digest.toString('base64');
		expect(glued).not.toBe(VECTORS.appUserK30.raw);
		expect(hmacAuthorization(K30, S, 'GET', '/App/user', 'raw')).toBe(VECTORS.appUserK30.raw);
	});
});

describe('resourcePathOf: the path EspoCRM signs', () => {
	it.each([
		['https://h/api/v1/Account?maxSize=1', undefined, '/Account'],
		['https://h/api/v1/Document/abc%20def', undefined, '/Document/abc%20def'],
		['https://h/api/v1', undefined, '/'],
		['https://h/api/v1/', undefined, '/'],
		['https://h/crm/api/v1/App/user', undefined, '/App/user'],
		['/App/user', 'https://h/crm/api/v1', '/App/user'],
		['App/user', 'https://h/crm/api/v1/', '/App/user'],
		['/Account?select=id', 'https://h/api/v1', '/Account'],
		// A site whose own path holds `/api/v1` inside a longer segment (issue #10): the path sent is signed.
		['https://h/tools/api/v10/api/v1/App/user', undefined, '/App/user'],
		['/App/user', 'https://h/tools/api/v10/api/v1', '/App/user'],
		['https://h/tools/api/v1x/api/v1/Attachment/file/a1', undefined, '/Attachment/file/a1'],
	])('%s (baseURL %s) → %s', (url, baseURL, expected) => {
		expect(resourcePathOf(url, baseURL)).toBe(expected);
	});
});

describe('authHeadersFor', () => {
	const hmac = (overrides: Partial<EspoCredentialData> = {}): EspoCredentialData => ({
		baseUrl: 'https://h',
		authMethod: 'hmac',
		apiKey: K32,
		secretKey: S,
		...overrides,
	});

	it('API key: sends the key as X-Api-Key and nothing else', () => {
		const headers = authHeadersFor({ baseUrl: 'https://h', authMethod: 'apiKey', apiKey: K32 }, 'GET', 'https://h/api/v1/App/user');
		expect(headers).toEqual({ 'X-Api-Key': K32 });
	});

	it('HMAC: ignores the query string when signing', () => {
		const headers = authHeadersFor(hmac(), 'GET', 'https://h/api/v1/Account?maxSize=1');
		expect(headers).toEqual({ 'X-Hmac-Authorization': VECTORS.account.hex });
	});

	it('HMAC: signs the API root as "GET /"', () => {
		expect(authHeadersFor(hmac(), 'GET', 'https://h/api/v1')['X-Hmac-Authorization']).toBe(VECTORS.apiRoot.hex);
	});

	it('HMAC: signs a sub-directory install relative to /api/v1', () => {
		expect(authHeadersFor(hmac(), 'GET', 'https://h/crm/api/v1/App/user')['X-Hmac-Authorization']).toBe(
			VECTORS.appUserK32.hex,
		);
	});

	it('HMAC: baseURL and a relative url passed separately (as the credential test does)', () => {
		const headers = authHeadersFor(hmac({ hmacFormat: 'raw' }), 'GET', '/App/user', 'https://h/crm/api/v1');
		expect(headers).toEqual({ 'X-Hmac-Authorization': VECTORS.appUserK32.raw });
	});

	it('HMAC: keeps percent-encoding exactly as sent', () => {
		const headers = authHeadersFor(hmac({ hmacFormat: 'raw' }), 'GET', 'https://h/api/v1/Document/abc%20def');
		expect(headers['X-Hmac-Authorization']).toBe(VECTORS.percentEncoded.raw);
	});

	it('HMAC: uppercases the method and honours the 30-char key', () => {
		const headers = authHeadersFor(hmac({ apiKey: K30 }), 'post', 'https://h/api/v1/Attachment');
		expect(headers['X-Hmac-Authorization']).toBe(VECTORS.postAttachmentK30.hex);
	});

	it('username & password: Espo-Authorization is base64 of the UTF-8 "user:password"', () => {
		const headers = authHeadersFor(
			{ baseUrl: 'https://h', authMethod: 'password', username: 'jürgen', password: 'pässwörd€🔑' },
			'GET',
			'https://h/api/v1/App/user',
		);
		// printf '%s' 'jürgen:pässwörd€🔑' | base64 -w0
		expect(headers).toEqual({ 'Espo-Authorization': 'asO8cmdlbjpww6Rzc3fDtnJk4oKs8J+UkQ==' });
	});
});

describe('the signed path is the path sent, for a base URL with /api/v1 inside a longer segment', () => {
	it('https://h/tools/api/v10 → requests go to /tools/api/v10/api/v1/…, and /App/user is what is signed', () => {
		const apiRoot = apiRootOf('https://h/tools/api/v10');
		expect(apiRoot).toBe('https://h/tools/api/v10/api/v1');
		const url = `${apiRoot}/App/user`;
		const expected = hmacAuthorization('key', 'secret', 'GET', '/App/user');
		expect(authHeadersFor({ baseUrl: 'https://h/tools/api/v10', authMethod: 'hmac', apiKey: 'key', secretKey: 'secret' }, 'GET', url)).toEqual({
			'X-Hmac-Authorization': expected,
		});
	});
});
