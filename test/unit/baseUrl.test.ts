import { apiRootOf, normalizeBaseUrl } from '../../credentials/espoCrmSigning';

describe('normalizeBaseUrl: whatever the user pastes becomes the site root', () => {
	it.each([
		['plain', 'https://crm.example.com', 'https://crm.example.com'],
		['surrounding whitespace', '  https://crm.example.com \n', 'https://crm.example.com'],
		['trailing slash', 'https://crm.example.com/', 'https://crm.example.com'],
		['several trailing slashes', 'https://crm.example.com///', 'https://crm.example.com'],
		['with /api/v1', 'https://crm.example.com/api/v1', 'https://crm.example.com'],
		['with /api/v1/', 'https://crm.example.com/api/v1/', 'https://crm.example.com'],
		['with /API/V1 in capitals', 'https://crm.example.com/API/V1', 'https://crm.example.com'],
		['an API URL of a record', 'https://crm.example.com/api/v1/Account/abc', 'https://crm.example.com'],
		['sub-directory install', 'https://host.example.com/crm', 'https://host.example.com/crm'],
		['sub-directory with /api/v1/', 'https://host.example.com/crm/api/v1/', 'https://host.example.com/crm'],
		['web-UI URL of a record', 'https://crm.example.com/#Document/view/6651f0c2a1b2c3d4e', 'https://crm.example.com'],
		['web-UI URL in a sub-directory', 'https://host.example.com/crm/#Document/view/6651f0c2a1b2c3d4e', 'https://host.example.com/crm'],
		['/index.php', 'https://crm.example.com/index.php', 'https://crm.example.com'],
		['/index.php with a hash route', 'https://host.example.com/crm/index.php#Account', 'https://host.example.com/crm'],
		['a query string', 'https://crm.example.com/?entryPoint=download', 'https://crm.example.com'],
		['uppercase scheme and host', 'HTTPS://CRM.Example.COM/', 'https://crm.example.com'],
		['plain http', 'http://localhost', 'http://localhost'],
		['a port', 'http://127.0.0.1:8080/api/v1', 'http://127.0.0.1:8080'],
		['the default port is dropped', 'https://crm.example.com:443/', 'https://crm.example.com'],
	])('%s: %j → %s', (_name, input, expected) => {
		expect(normalizeBaseUrl(input)).toBe(expected);
	});

	it('apiRootOf appends /api/v1 exactly once', () => {
		expect(apiRootOf('https://host.example.com/crm/api/v1/')).toBe('https://host.example.com/crm/api/v1');
		expect(apiRootOf('https://crm.example.com')).toBe('https://crm.example.com/api/v1');
	});
});

describe('normalizeBaseUrl: readable errors', () => {
	it.each([
		['empty', '', /empty/i],
		['only whitespace', '   ', /empty/i],
		['no scheme', 'crm.example.com', /no http:\/\/ or https:\/\/ scheme/],
		['ftp scheme', 'ftp://crm.example.com', /no http:\/\/ or https:\/\/ scheme/],
		['scheme without a host', 'https://', /not a valid URL/],
	])('%s', (_name, input, message) => {
		expect(() => normalizeBaseUrl(input)).toThrow(message);
	});

	it.each([
		['https://admin:S3cr3t-pw@crm.example.com'],
		['https://admin:S3cr3t-pw@crm.example.com/api/v1/'],
		['ftp://admin:S3cr3t-pw@crm.example.com'],
	])('user:password inside %s is refused without echoing the password', (input) => {
		expectRefusedWithoutEcho(input, 'S3cr3t-pw');
	});

	// A URL without a scheme has no "//": the message must still drop "user:pw@" before quoting it.
	it('user:password without a scheme is refused without echoing the password', () => {
		expectRefusedWithoutEcho('admin:S3cr3t-pw@crm.example.com', 'S3cr3t-pw');
	});
});

function expectRefusedWithoutEcho(input: string, secret: string): void {
	let message = '';
	try {
		normalizeBaseUrl(input);
	} catch (error) {
		message = (error as Error).message;
	}
	expect(message).not.toBe('');
	expect(message).not.toContain(secret);
}
