// The credential's authenticate function, called the ways n8n calls it: the node's
// httpRequestWithAuthentication (absolute url), the credential test (baseURL + url) and n8n's HTTP
// Request node with this predefined credential type (legacy options with `uri`).
import type { ICredentialDataDecryptedObject, IHttpRequestOptions } from 'n8n-workflow';

import { EspoCrmApi } from '../../credentials/EspoCrmApi.credentials';
import { hmacAuthorization } from '../../credentials/espoCrmSigning';

const hmac = { baseUrl: 'https://crm.example.com', authMethod: 'hmac', apiKey: 'key-1', secretKey: 'secret-1', hmacFormat: 'hex' };

async function authenticate(credentials: object, options: object): Promise<IHttpRequestOptions> {
	const { authenticate: fn } = new EspoCrmApi();
	if (typeof fn !== 'function') throw new Error('authenticate is not a function');
	return await fn(credentials as ICredentialDataDecryptedObject, options as IHttpRequestOptions);
}

describe('EspoCRM API credential authenticate()', () => {
	test('signs the path of an absolute url (the node)', async () => {
		const out = await authenticate(hmac, { method: 'POST', url: 'https://crm.example.com/api/v1/Attachment/chunk/abc' });
		expect(out.headers?.['X-Hmac-Authorization']).toBe(hmacAuthorization('key-1', 'secret-1', 'POST', '/Attachment/chunk/abc'));
	});

	test('signs baseURL + url given separately (the credential test)', async () => {
		const out = await authenticate(hmac, { method: 'GET', baseURL: 'https://crm.example.com/api/v1', url: '/App/user' });
		expect(out.headers?.['X-Hmac-Authorization']).toBe(hmacAuthorization('key-1', 'secret-1', 'GET', '/App/user'));
	});

	test('signs a legacy `uri` without its query string (the HTTP Request node with this credential)', async () => {
		const out = await authenticate(hmac, { method: 'GET', uri: 'https://crm.example.com/api/v1/Case?maxSize=5&where[0][type]=after' });
		expect(out.headers?.['X-Hmac-Authorization']).toBe(hmacAuthorization('key-1', 'secret-1', 'GET', '/Case'));
	});

	test('keeps the headers a request already has', async () => {
		const out = await authenticate({ baseUrl: 'https://h', authMethod: 'apiKey', apiKey: 'k' }, { url: 'https://h/api/v1/', headers: { Accept: 'application/json' } });
		expect(out.headers).toEqual({ Accept: 'application/json', 'X-Api-Key': 'k' });
	});

	test('leaves a request that carries the execution\'s auth token alone (Username & Password)', async () => {
		const headers = { 'Espo-Authorization': 'dXNlcjp0b2tlbg==', 'Espo-Authorization-By-Token': 'true' };
		const out = await authenticate({ baseUrl: 'https://h', authMethod: 'password', username: 'user', password: 'pw' }, { url: 'https://h/api/v1/Case', headers });
		expect(out.headers).toEqual(headers);
	});
});
