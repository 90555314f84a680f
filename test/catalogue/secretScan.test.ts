// The catalogue's secret scan must itself catch a leak, in every place and every form it claims to
// cover; otherwise "zero hits" in the cases would prove nothing.
import { hmacAuthorization } from '../../credentials/espoCrmSigning';
import type { RunResult } from '../harness';
import { expectNoSecrets, secretForms } from './catalogue';

const credentials = {
	baseUrl: 'http://127.0.0.1:1',
	authMethod: 'hmac' as const,
	apiKey: '1b2c3d4e5f60718293a4b5c6d7e8f90a',
	secretKey: 'f0e1d2c3b4a5968778695a4b3c2d1e0f',
	username: 'admin',
	password: 'admin-demo-password',
};

const clean = (): RunResult => ({ status: 'error', items: [], logs: [], durationMs: 0, error: { message: 'EspoCRM rejected the credentials', raw: {} } });

describe('the secret scan of the catalogue', () => {
	test('passes a result that holds no secret', () => {
		expect(() => expectNoSecrets(clean(), credentials)).not.toThrow();
	});

	test.each([
		['the API key in the message', (r: RunResult) => (r.error!.message += ` ${credentials.apiKey}`)],
		['the secret key in the description', (r: RunResult) => (r.error!.description = `secret ${credentials.secretKey}`)],
		['the base64 password in the context', (r: RunResult) => (r.error!.context = { header: Buffer.from(credentials.password).toString('base64') })],
		['Espo-Authorization (base64 user:password) in a log line', (r: RunResult) => r.logs.push(`debug: ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`)],
		['an X-Hmac-Authorization header in an error item', (r: RunResult) => r.items.push({ json: { error: 'x', headers: { 'X-Hmac-Authorization': hmacAuthorization(credentials.apiKey, credentials.secretKey, 'GET', '/App/user') } } })],
		['an Espo-Authorization header with a session token in a log line', (r: RunResult) => r.logs.push(`Espo-Authorization: ${Buffer.from(`${credentials.username}:0f1e2d3c4b5a69788796a5b4c3d2e1f0`).toString('base64')}`)],
		['the password inside the raw error n8n stores', (r: RunResult) => (r.error!.raw = { cause: { config: { url: `http://admin:${credentials.password}@h` } } })],
	])('catches %s', (_what, leak) => {
		const result = clean();
		leak(result);
		expect(() => expectNoSecrets(result, credentials)).toThrow();
	});

	test('covers raw, base64 and the base64 prefix of each secret', () => {
		const forms = secretForms(credentials);
		for (const secret of [credentials.apiKey, credentials.secretKey, credentials.password]) {
			expect(forms).toContain(secret);
			expect(forms).toContain(Buffer.from(secret).toString('base64'));
		}
	});
});
