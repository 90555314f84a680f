import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import http from 'http';
import type { AddressInfo } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';

import type { EspoAuthMethod, EspoCredentialData } from '../../credentials/espoCrmSigning';
import { startEmulator } from '../emulator';
import { credentialTestFunctionsOf, shutdownHarness, testCredential } from '../harness';

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

/** The 401 hint per authentication method: the node's own (describeFailure), one line in the dialog. */
const REJECTED: Record<EspoAuthMethod, string> = {
	apiKey:
		'EspoCRM rejected the credentials (401). Check the API Key: it must belong to an active API user whose authentication method is "API Key" (an HMAC user\'s key is not accepted as a plain key).',
	hmac: 'EspoCRM rejected the credentials (401). Check the API Key and the Secret Key of the HMAC API user. EspoCRM older than 8.4.1 only accepts the raw signature: set "HMAC Signature Format" to "Raw Digest" in the credential.',
	password:
		'EspoCRM rejected the credentials (401). Check the username and password. API users and users with two-factor authentication cannot sign in with a password; an API user with the API Key method is the recommended setup.',
};

async function expectRejectedReadably(credentials: EspoCredentialData): Promise<string> {
	const result = await testCredential(credentials);
	expect(result).toEqual({ status: 'Error', message: REJECTED[credentials.authMethod] });
	for (const secret of secretsOf(credentials)) expect(result.message).not.toContain(secret);
	return result.message;
}

describe('how n8n finds the credential test', () => {
	it('the credential has no declarative test, and every node that uses it offers the same testedBy function', () => {
		const offered = credentialTestFunctionsOf();
		expect(offered.map(({ node, testedBy }) => [node.replace(/^.*\./, ''), testedBy]).sort()).toEqual([
			['espoCrmAttachment', 'espoCrmApiTest'],
			['espoCrmFilePollTrigger', 'espoCrmApiTest'],
			['espoCrmFileTrigger', 'espoCrmApiTest'],
		]);
		expect(new Set(offered.map(({ test }) => test)).size).toBe(1);
	});
});

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

	it('a wrong API key: the API-key 401 message, without the key', async () => {
		await expectRejectedReadably({ ...apiKey(), apiKey: 'ffffffffffffffffffffffffffffffff' });
	});

	it('a wrong HMAC secret: the HMAC 401 message, without key or secret', async () => {
		await expectRejectedReadably({ ...hmac('hex'), secretKey: '00000000000000000000000000000000' });
		await expectRejectedReadably({ ...hmac('raw'), secretKey: '00000000000000000000000000000000' });
	});

	it('a wrong password: the password 401 message, without the password', async () => {
		await expectRejectedReadably({ ...password(), password: 'Wrong-pässwörd-1' });
	});

	it('a user with two-factor authentication: says a code is required and to use an API user', async () => {
		const { userName, password: secret } = emu.users.twoFactorUser;
		const credentials: EspoCredentialData = { baseUrl: emu.url, authMethod: 'password', username: userName, password: secret };
		await expect(testCredential(credentials)).resolves.toEqual({
			status: 'Error',
			message:
				'EspoCRM asks for a two-factor code for this user (401 second-step-required). Users with two-factor authentication cannot be used unattended. Create an API user (Administration → API Users) and use the API Key or HMAC method.',
		});
	});

	it('a refused login is sent once (each counts towards EspoCRM\'s lockout, observed §1.b)', async () => {
		emu.clearLog();
		await testCredential({ ...apiKey(), apiKey: 'ffffffffffffffffffffffffffffffff' });
		expect(emu.log.map((entry) => [entry.method, entry.path, entry.status])).toEqual([['GET', '/App/user', 401]]);
	});

	it('username & password: one login, and its auth token is given back (POST App/destroyAuthToken, api §2.4 Logout)', async () => {
		emu.clearLog();
		const before = emu.activeAuthTokens();
		await expect(testCredential(password())).resolves.toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(emu.log.map((entry) => [entry.method, entry.path, entry.status])).toEqual([
			['GET', '/App/user', 200],
			['POST', '/App/destroyAuthToken', 200],
		]);
		expect(emu.activeAuthTokens()).toBe(before);
	});

	it('HMAC signs exactly the path it sends (GET /App/user), API key sends only X-Api-Key', async () => {
		emu.clearLog();
		await testCredential(hmac('hex'));
		await testCredential(apiKey());
		const [signed, keyed] = emu.log;
		expect(signed.reqHeaders['x-hmac-authorization']).toBeDefined();
		expect(signed.reqHeaders['x-api-key']).toBeUndefined();
		expect(keyed.reqHeaders['x-api-key']).toBe(emu.users.apiUser.apiKey);
		expect(keyed.reqHeaders['espo-authorization']).toBeUndefined();
	});

	it('the failed-login lockout (403): says to wait a minute', async () => {
		emu.setLockout(true);
		try {
			for (let i = 0; i < 11; i++) await testCredential({ ...apiKey(), apiKey: 'ffffffffffffffffffffffffffffffff' });
			await expect(testCredential(apiKey())).resolves.toEqual({
				status: 'Error',
				message: 'EspoCRM refused the login (403). After more than 10 failed logins it blocks this IP address for a minute: wait, then test again.',
			});
		} finally {
			emu.setLockout(false);
		}
	});

	it('a Base URL that answers a login page (200 HTML): not the API', async () => {
		emu.faults.add({ path: /.*/, times: Infinity, action: { htmlLogin: true } });
		try {
			await expect(testCredential(apiKey())).resolves.toEqual({
				status: 'Error',
				message:
					'The Base URL answered with a web page instead of the EspoCRM API. The Base URL probably points at a login page, a proxy or another site. Use the address of EspoCRM itself (e.g. https://crm.example.com, without #… or /index.php); the node adds /api/v1.',
			});
		} finally {
			emu.faults.clear();
		}
	});

	it('a Base URL with a wrong sub-directory (404 from the web server): there is no EspoCRM API there', async () => {
		await expect(testCredential({ ...apiKey(), baseUrl: `${emu.url}/nope` })).resolves.toEqual({
			status: 'Error',
			message: 'There is no EspoCRM API at this Base URL (404). Use the address you open EspoCRM at, e.g. https://crm.example.com or https://example.com/crm.',
		});
	});

	it('nothing listening at the Base URL: connection refused, naming the host', async () => {
		const closed = http.createServer();
		await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
		const { port } = closed.address() as AddressInfo;
		await new Promise<void>((resolve) => closed.close(() => resolve()));
		await expect(testCredential({ ...apiKey(), baseUrl: `http://127.0.0.1:${port}` })).resolves.toEqual({
			status: 'Error',
			message: `Could not connect to EspoCRM at 127.0.0.1:${port}: connection refused. Is the Base URL right (host and port), and is EspoCRM running?`,
		});
	});

	it('a Base URL without a scheme: says so before sending anything', async () => {
		emu.clearLog();
		const hostPort = emu.url.replace(/^http:\/\//, '');
		await expect(testCredential({ ...apiKey(), baseUrl: hostPort })).resolves.toEqual({
			status: 'Error',
			message: `The Base URL "${hostPort}" has no http:// or https:// scheme. Enter it as https://crm.example.com`,
		});
		expect(emu.log).toEqual([]);
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
		expect(result).toEqual({
			status: 'Error',
			message: `The TLS certificate of 127.0.0.1:${emu.port} is not trusted. If EspoCRM uses a self-signed certificate, enable "Ignore SSL Issues (Insecure)" in the credential, or install the CA on the n8n host.`,
		});
	});

	it('passes with "Ignore SSL Issues"', async () => {
		await expect(testCredential(credentials(true))).resolves.toMatchObject({ status: 'OK' });
	});
});

/** A plain server that counts every request it gets (any path) and would accept anything. */
async function countingServer() {
	const seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders }> = [];
	const server = http.createServer((req, res) => {
		seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
		res.setHeader('Content-Type', 'application/json');
		res.end(JSON.stringify({ user: { id: 'x', type: 'api' }, token: null }));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return { port, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('credential test and a redirect (issue #10)', () => {
	let site: Emulator;
	let elsewhere: Awaited<ReturnType<typeof countingServer>>;
	beforeAll(async () => {
		site = await startEmulator();
		elsewhere = await countingServer();
	});
	afterAll(async () => {
		await site.close();
		await elsewhere.close();
	});
	afterEach(() => site.faults.clear());

	const credentialsOf = (authMethod: EspoAuthMethod): EspoCredentialData =>
		authMethod === 'apiKey'
			? { baseUrl: site.url, authMethod, apiKey: site.users.apiUser.apiKey }
			: authMethod === 'hmac'
				? { baseUrl: site.url, authMethod, apiKey: site.users.hmacUser.apiKey, secretKey: site.users.hmacUser.secretKey, hmacFormat: 'hex' }
				: { baseUrl: site.url, authMethod, username: site.users.regularUser.userName, password: site.users.regularUser.password };

	it.each([
		[301, 'apiKey'],
		[302, 'hmac'],
		[307, 'password'],
		[308, 'apiKey'],
	] as const)('a %i to another host (%s): the test fails, names that host only, and the other host gets no request', async (status, authMethod) => {
		elsewhere.seen.length = 0;
		// A Location with user info and a query string: neither may show up in the message.
		const location = `http://someone:hunter2@localhost:${elsewhere.port}/crm/api/v1/App/user?token=abc123`;
		site.faults.add({ path: /.*/, times: Infinity, action: { redirect: location, status } });
		const credentials = credentialsOf(authMethod);
		const result = await testCredential(credentials);
		const other = `http://localhost:${elsewhere.port}`;
		expect(result).toEqual({
			status: 'Error',
			message: `The Base URL answered with a redirect (${status}) to another host, ${other}. The test did not follow it: nothing was sent to ${other}, and the credentials went only to ${site.url}. If ${other} is your EspoCRM, put its address into Base URL; if not, something in front of 127.0.0.1:${site.port} (a proxy or a login page) answers instead of EspoCRM.`,
		});
		expect(elsewhere.seen).toEqual([]);
		for (const secret of [...secretsOf(credentials), 'hunter2', 'someone', 'abc123', '/crm']) expect(result.message).not.toContain(secret);
	});

	it('a 301 from http to https on the same host: names https://host:port and says to put it into Base URL', async () => {
		site.faults.add({ path: /.*/, times: Infinity, action: { redirect: `https://127.0.0.1:8443/api/v1/App/user`, status: 301 } });
		await expect(testCredential(credentialsOf('hmac'))).resolves.toEqual({
			status: 'Error',
			message: 'The Base URL answered with a redirect (301) to https://127.0.0.1:8443 (the same host, https instead of http). The test did not follow it and sent nothing to https://127.0.0.1:8443. Put https://127.0.0.1:8443 into Base URL.',
		});
	});

	it('a 302 to another path on the same server (a login page): says to use the address the browser ends on', async () => {
		site.faults.add({ path: /.*/, times: Infinity, action: { redirect: '/login?next=%2Fapi', status: 302 } });
		await expect(testCredential(credentialsOf('apiKey'))).resolves.toEqual({
			status: 'Error',
			message: `The Base URL answered with a redirect (302) to another address on ${site.url}. The test did not follow it. Open the Base URL in a browser and put the address it ends on (often with a sub-directory) into Base URL.`,
		});
	});
});
