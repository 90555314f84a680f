import { apiRootOf } from '../../credentials/espoCrmSigning';
import { resolvedCredentialTestRequest, shutdownHarness } from '../harness';

afterAll(shutdownHarness);

// The credential test cannot call normalizeBaseUrl: n8n only evaluates `={{ }}` expressions there.
// So the same rules are written twice; n8n's expression engine evaluates one copy, and it must
// agree with the other for everything a user may paste.
describe("the credential test's base URL expression agrees with normalizeBaseUrl", () => {
	const href = (url: string) => new URL(url).href;

	it.each([
		'https://crm.example.com',
		'  https://crm.example.com \n',
		'https://crm.example.com/',
		'https://crm.example.com///',
		'https://crm.example.com/api/v1',
		'https://crm.example.com/api/v1/',
		'https://crm.example.com/API/V1',
		'https://crm.example.com/api/v1/Account/abc',
		'https://host.example.com/crm',
		'https://host.example.com/crm/api/v1/',
		'https://crm.example.com/#Document/view/6651f0c2a1b2c3d4e',
		'https://host.example.com/crm/#Document/view/6651f0c2a1b2c3d4e',
		'https://crm.example.com/index.php',
		'https://host.example.com/crm/index.php#Account',
		'https://crm.example.com/?entryPoint=download',
		'HTTPS://CRM.Example.COM/',
		'http://127.0.0.1:8080/api/v1',
		'https://crm.example.com:443/',
	])('%j', (baseUrl) => {
		const request = resolvedCredentialTestRequest({ baseUrl, authMethod: 'apiKey', apiKey: 'k' });
		expect(href(`${request.baseURL as string}${request.url as string}`)).toBe(href(`${apiRootOf(baseUrl)}/App/user`));
	});

	it('sends GET App/user with baseURL and url separate, and resolves the SSL option', () => {
		const request = resolvedCredentialTestRequest({ baseUrl: 'https://h/crm/', authMethod: 'apiKey', apiKey: 'k', ignoreSslIssues: true });
		expect(request).toEqual({ baseURL: 'https://h/crm/api/v1', url: '/App/user', method: 'GET', skipSslCertificateValidation: true, disableFollowRedirect: true });
		const strict = resolvedCredentialTestRequest({ baseUrl: 'https://h', authMethod: 'apiKey', apiKey: 'k' });
		expect(strict.skipSslCertificateValidation).toBe(false); // the default of the credential field
	});
});
