import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import type { EspoCredentialData } from '../../credentials/espoCrmSigning';
import { startEmulator } from '../emulator';
import { shutdownHarness, testCredential } from '../harness';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

afterAll(shutdownHarness);

/** Every credential value, raw and base64-encoded, that must never appear in a message. */
function secretsOf(c: EspoCredentialData): string[] {
	const raw = [c.apiKey, c.secretKey, c.password].filter((v): v is string => !!v);
	const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
	const pairs = c.username && c.password ? [b64(`${c.username}:${c.password}`)] : [];
	return [...raw, ...raw.map(b64), ...pairs];
}

function hmacCredential(emu: Emulator, hmacFormat: 'hex' | 'raw'): EspoCredentialData {
	const { apiKey, secretKey } = emu.users.hmacUser;
	return { baseUrl: emu.url, authMethod: 'hmac', apiKey, secretKey, hmacFormat };
}

async function expectRejectedReadably(credentials: EspoCredentialData): Promise<string> {
	const result = await testCredential(credentials);
	expect(result.status).toBe('Error');
	// What n8n shows the user: the credential's rule for 401, which names every usual cause.
	expect(result.message).toMatch(/^EspoCRM rejected the credentials \(401\)\. Check the API Key/);
	expect(result.message).toMatch(/Raw Digest/);
	expect(result.message).toMatch(/two-factor/);
	for (const secret of secretsOf(credentials)) expect(result.message).not.toContain(secret);
	return result.message;
}

describe('credential test against the emulator (EspoCRM 9.3)', () => {
	let emu: Emulator;
	beforeAll(async () => {
		emu = await startEmulator({ profile: '9.3' });
	});
	afterAll(async () => emu.close());

	const apiKey = (): EspoCredentialData => ({ baseUrl: emu.url, authMethod: 'apiKey', apiKey: emu.users.apiUser.apiKey });
	const hmac = (hmacFormat: 'hex' | 'raw') => hmacCredential(emu, hmacFormat);
	const password = (): EspoCredentialData => ({
		baseUrl: emu.url,
		authMethod: 'password',
		username: emu.users.regularUser.userName,
		password: emu.users.regularUser.password,
	});

	it.each([
		['API key', apiKey],
		['HMAC, hex signature', () => hmac('hex')],
		['HMAC, raw signature', () => hmac('raw')],
		['username & password', password],
	])('%s: Connection successful', async (_name, credentials) => {
		await expect(testCredential(credentials())).resolves.toEqual({ status: 'OK', message: 'Connection successful!' });
	});

	it('a wrong API key: readable 401 message without the key', async () => {
		await expectRejectedReadably({ ...apiKey(), apiKey: 'ffffffffffffffffffffffffffffffff' });
	});

	it('a wrong HMAC secret: readable 401 message without key or secret', async () => {
		await expectRejectedReadably({ ...hmac('hex'), secretKey: '00000000000000000000000000000000' });
		await expectRejectedReadably({ ...hmac('raw'), secretKey: '00000000000000000000000000000000' });
	});

	it('a wrong password: readable 401 message without the password', async () => {
		await expectRejectedReadably({ ...password(), password: 'Wrong-pässwörd-1' });
	});

	it('a user with two-factor authentication: refused readably (a password login cannot pass 2FA)', async () => {
		const { userName, password: secret } = emu.users.twoFactorUser;
		await expectRejectedReadably({ baseUrl: emu.url, authMethod: 'password', username: userName, password: secret });
	});

	it('a refused login is sent twice: n8n-core retries every 401 once (counts towards EspoCRM lockout)', async () => {
		emu.clearLog();
		await testCredential({ ...apiKey(), apiKey: 'ffffffffffffffffffffffffffffffff' });
		expect(emu.log.filter((entry) => entry.status === 401)).toHaveLength(2);
	});

	it.each([
		['…/api/v1/', (url: string) => `${url}/api/v1/`],
		['a trailing slash', (url: string) => `${url}/`],
		['a web-UI URL', (url: string) => `${url}/#Document/view/6651f0c2a1b2c3d4e`],
		['/index.php', (url: string) => `${url}/index.php`],
	])('base URL with %s works (HMAC signs the right path)', async (_name, variant) => {
		await expect(testCredential({ ...hmac('hex'), baseUrl: variant(emu.url) })).resolves.toMatchObject({ status: 'OK' });
	});
});

describe('credential test against an EspoCRM older than 8.4.1 (raw HMAC only)', () => {
	let emu: Emulator;
	beforeAll(async () => {
		emu = await startEmulator({ profile: '8.4', legacyHmacOnly: true });
	});
	afterAll(async () => emu.close());

	const hmac = (hmacFormat: 'hex' | 'raw') => hmacCredential(emu, hmacFormat);

	it('the raw format passes', async () => {
		await expect(testCredential(hmac('raw'))).resolves.toMatchObject({ status: 'OK' });
	});

	it('the hex format is refused with a readable message without key or secret', async () => {
		await expectRejectedReadably(hmac('hex'));
	});
});

describe('credential test against a sub-directory install (/crm)', () => {
	let emu: Emulator;
	beforeAll(async () => {
		emu = await startEmulator({ basePath: '/crm' });
	});
	afterAll(async () => emu.close());

	const siteRoot = () => emu.url;

	it.each([
		['the site root', (root: string) => root],
		['a trailing slash', (root: string) => `${root}/`],
		['/api/v1/', (root: string) => `${root}/api/v1/`],
	])('%s works with API key and HMAC', async (_name, variant) => {
		const baseUrl = variant(siteRoot());
		expect(baseUrl).toContain('/crm');
		await expect(testCredential({ baseUrl, authMethod: 'apiKey', apiKey: emu.users.apiUser.apiKey })).resolves.toMatchObject({ status: 'OK' });
		await expect(testCredential({ ...hmacCredential(emu, 'hex'), baseUrl })).resolves.toMatchObject({ status: 'OK' });
	});
});

describe('credential test over HTTPS with a self-signed certificate', () => {
	let emu: Emulator;
	let certDir: string;
	beforeAll(async () => {
		certDir = mkdtempSync(join(tmpdir(), 'espo-cert-'));
		execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
			'-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')], { stdio: 'ignore' });
		const tls = { key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) };
		emu = await startEmulator({ tls });
	});
	afterAll(async () => {
		await emu.close();
		rmSync(certDir, { recursive: true, force: true });
	});

	const credentials = (ignoreSslIssues: boolean): EspoCredentialData => ({
		baseUrl: emu.url,
		authMethod: 'apiKey',
		apiKey: emu.users.apiUser.apiKey,
		ignoreSslIssues,
	});

	it('is refused by default', async () => {
		const result = await testCredential(credentials(false));
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/SELF_SIGNED|self[- ]signed|certificate/i);
	});

	it('passes with "Ignore SSL Issues"', async () => {
		await expect(testCredential(credentials(true))).resolves.toMatchObject({ status: 'OK' });
	});
});

describe('credential test and a redirect (issue #10)', () => {
	let site: Emulator;
	let elsewhere: Emulator;
	beforeAll(async () => {
		site = await startEmulator();
		elsewhere = await startEmulator();
	});
	afterAll(async () => {
		await site.close();
		await elsewhere.close();
	});

	it.each([301, 302, 307, 308] as const)('a %i is not followed: the test fails, says where it pointed, and nothing is sent to the other host', async (status) => {
		site.faults.clear();
		elsewhere.clearLog();
		site.faults.add({ path: /.*/, times: Infinity, action: { redirect: `${elsewhere.apiUrl}/App/user`, status } });
		const credentials: EspoCredentialData = { baseUrl: site.url, authMethod: 'apiKey', apiKey: site.users.apiUser.apiKey };
		const result = await testCredential(credentials);
		expect(result).toEqual({
			status: 'Error',
			message: `The Base URL answered with a redirect (${status}) to another address. The test did not follow it and sent the credentials nowhere else. Open the Base URL in a browser and put the address it ends on (often https:// instead of http://, or with a sub-directory) into Base URL.`,
		});
		expect(elsewhere.log).toEqual([]);
	});
});
