// Failure catalogue (issue #6), bad input: the credential (Base URL and login). Every case appends a
// file to a Case that already holds one, so "nothing changed" is checked against real data.
import type { EspoCredentialData } from '../../credentials/espoCrmSigning';
import { shutdownHarness } from '../harness';
import { apiKeyCredential, fileItem, idsOn, rl, useEmulator } from '../workflow/nodeFixtures';
import { CONTENT, caseWithFile, expectFailure, expectUnchanged, runCase, snapshot } from './catalogue';

afterAll(async () => await shutdownHarness());

const binaryMode = 'filesystem' as const;
const appendTo = (caseId: string) => ({
	operation: 'uploadToAttachmentMultiple',
	entityType: 'Case',
	field: 'attachments',
	recordMode: 'existing',
	recordId: rl(caseId),
});
const file = () => fileItem('catalogue.txt', CONTENT.text, 'text/plain');

describe('bad input: the credential', () => {
	const emulator = useEmulator();
	afterEach(() => {
		emulator().faults.clear();
		emulator().setLockout(false);
	});

	const hmac = (overrides: Partial<EspoCredentialData> = {}): EspoCredentialData => ({
		baseUrl: emulator().url,
		authMethod: 'hmac',
		apiKey: emulator().users.hmacUser.apiKey,
		secretKey: emulator().users.hmacUser.secretKey,
		hmacFormat: 'hex',
		...overrides,
	});

	/** Runs the append with `credentials` and expects it to fail with `message`/`description`, EspoCRM untouched. */
	async function expectRejected(label: string, credentials: EspoCredentialData, message: RegExp, description: RegExp, extraSecrets: string[] = []) {
		const emu = emulator();
		const { caseId } = caseWithFile(emu, label);
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials, parameters: appendTo(caseId), items: [file()] }, extraSecrets);
		expectFailure(result, { message, description });
		expectUnchanged(emu, before);
		return result;
	}

	test('K01 a Base URL without a scheme (127.0.0.1:port): says to write it as https://…, nothing is sent', async () => {
		const emu = emulator();
		emu.clearLog();
		await expectRejected('K01', { ...apiKeyCredential(emu), baseUrl: emu.url.replace(/^http:\/\//, '') }, /Base URL "127\.0\.0\.1:\d+" has no http:\/\/ or https:\/\/ scheme/, /Base URL in the EspoCRM API credential/);
		expect(emu.log).toEqual([]);
	});

	test('K02 an empty Base URL: says it is empty, nothing is sent', async () => {
		const emu = emulator();
		emu.clearLog();
		await expectRejected('K02', { ...apiKeyCredential(emu), baseUrl: '  ' }, /Base URL is empty/, /Base URL in the EspoCRM API credential/);
		expect(emu.log).toEqual([]);
	});

	test('K03 a Base URL copied from the web UI (…/#Case/view/<id>) works: the file is appended', async () => {
		const emu = emulator();
		const { caseId, existingId } = caseWithFile(emu, 'K03');
		const before = snapshot(emu);
		const result = await runCase({
			binaryMode,
			credentials: { ...apiKeyCredential(emu), baseUrl: `${emu.url}/#Case/view/${caseId}` },
			parameters: appendTo(caseId),
			items: [file()],
		});
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		expect(idsOn(emu, 'Case', caseId).sort()).toEqual([existingId, id].sort());
		expectUnchanged(emu, before, { attachments: [id], records: [`Case:${caseId}`] });
	});

	test('K04 a Base URL that answers a login page (200 HTML): says it is a web page, not the API', async () => {
		emulator().faults.add({ path: /.*/, times: Infinity, action: { htmlLogin: true } });
		await expectRejected('K04', apiKeyCredential(emulator()), /answered with a web page instead of the EspoCRM API/, /login page.*adds \/api\/v1/);
	});

	test('K05 a Base URL with a wrong sub-directory (404 from the web server): says the Base URL does not lead to EspoCRM', async () => {
		await expectRejected('K05', { ...apiKeyCredential(emulator()), baseUrl: `${emulator().url}/crm` }, /Base URL does not lead to the EspoCRM API \(404 for GET \/Metadata\)/, /address you open EspoCRM at in the browser.*adds \/api\/v1/);
	});

	test('K06 http that redirects to https: names the redirect target and says to put it in the Base URL', async () => {
		const emu = emulator();
		const target = `https://127.0.0.1:${emu.port}/api/v1/Metadata`;
		emu.faults.add({ path: /.*/, times: Infinity, action: { redirect: target, status: 301 } });
		await expectRejected('K06', apiKeyCredential(emu), new RegExp(`redirected the request \\(301\\) to ${target.replace(/[.?/]/g, '\\$&')}`), /http instead of https.*Base URL/);
	});

	test('K07 a Base URL with user:password inside: refused without repeating the password, nothing is sent', async () => {
		const emu = emulator();
		emu.clearLog();
		const password = emu.users.admin.password as string;
		await expectRejected(
			'K07',
			{ ...apiKeyCredential(emu), baseUrl: emu.url.replace('://', `://admin:${password}@`) },
			/Base URL contains a user name or password/,
			/Base URL in the EspoCRM API credential/,
			[password],
		);
		expect(emu.log).toEqual([]);
	});

	test('K08 a wrong API key: 401 with the API-key hint', async () => {
		await expectRejected('K08', { ...apiKeyCredential(emulator()), apiKey: 'ffffffffffffffffffffffffffff0000' }, /rejected the credentials \(401 Unauthorized\)/, /Check the API Key.*API user/);
	});

	test('K09 an HMAC user\'s key used with the API Key method: 401 that explains why', async () => {
		await expectRejected('K09', apiKeyCredential(emulator(), emulator().users.hmacUser), /rejected the credentials \(401 Unauthorized\)/, /HMAC user's key is not accepted as a plain key/);
	});

	test('K10 a wrong HMAC secret: 401 with the HMAC hint', async () => {
		await expectRejected('K10', hmac({ secretKey: '0123456789abcdef0123456789abcdef' }), /rejected the credentials \(401 Unauthorized\)/, /API Key and the Secret Key/);
	});

	test('K11 a wrong password: 401 with the password hint', async () => {
		await expectRejected('K11', { baseUrl: emulator().url, authMethod: 'password', username: 'regular', password: 'Wrong-pässwörd-1' }, /rejected the credentials \(401 Unauthorized\)/, /Check the username and password/);
	});

	test('K12 an API user with the Username & Password method: 401 that says API users cannot sign in with a password', async () => {
		const emu = emulator();
		await expectRejected('K12', { baseUrl: emu.url, authMethod: 'password', username: emu.users.apiUser.userName, password: emu.users.apiUser.apiKey }, /rejected the credentials \(401 Unauthorized\)/, /API users.*cannot sign in with a password/);
	});

	test('K13 a user with two-factor authentication: says a code is required and to use an API user', async () => {
		const emu = emulator();
		await expectRejected(
			'K13',
			{ baseUrl: emu.url, authMethod: 'password', username: emu.users.twoFactorUser.userName, password: emu.users.twoFactorUser.password },
			/two-factor code.*401 second-step-required/,
			/cannot be used unattended.*API user/,
		);
	});

	test('K14b a regular user with Username & Password works, and neither the password nor the session token shows up anywhere', async () => {
		const emu = emulator();
		const { caseId, existingId } = caseWithFile(emu, 'K14b');
		const before = snapshot(emu);
		const credentials: EspoCredentialData = { baseUrl: emu.url, authMethod: 'password', username: emu.users.regularUser.userName, password: emu.users.regularUser.password };
		const result = await runCase({ binaryMode, credentials, parameters: appendTo(caseId), items: [file(), file()] });
		expect(result.error).toBeUndefined();
		const ids = result.items.map((item) => item.json.id as string);
		expect(idsOn(emu, 'Case', caseId).sort()).toEqual([existingId, ...ids].sort());
		expectUnchanged(emu, before, { attachments: ids, records: [`Case:${caseId}`] });
	});

	test('K14 after too many failed logins EspoCRM blocks the IP (403, no reason): the hint says so', async () => {
		const emu = emulator();
		emu.setLockout(true);
		for (let i = 0; i < 12; i++) {
			await fetch(`${emu.apiUrl}/App/user`, { headers: { 'X-Api-Key': `wrong-key-${i}` } });
		}
		await expectRejected('K14', apiKeyCredential(emu), /refused access \(403\) to GET \/Metadata/, /several failed logins.*blocking this IP address/);
	});
});

describe('bad input: an HMAC format the server does not accept (EspoCRM before 8.4.1)', () => {
	const emulator = useEmulator({ legacyHmacOnly: true });

	test('K15 the hex signature is refused with 401, and the hint names the Raw Digest setting', async () => {
		const emu = emulator();
		const { caseId } = caseWithFile(emu, 'K15');
		const before = snapshot(emu);
		const credentials: EspoCredentialData = { baseUrl: emu.url, authMethod: 'hmac', apiKey: emu.users.hmacUser.apiKey, secretKey: emu.users.hmacUser.secretKey, hmacFormat: 'hex' };
		const result = await runCase({ binaryMode, credentials, parameters: appendTo(caseId), items: [file()] });
		expectFailure(result, { message: /rejected the credentials \(401 Unauthorized\)/, description: /older than 8\.4\.1.*Raw Digest/ });
		expectUnchanged(emu, before);
	});

	test('K16 the same credential with "Raw Digest" works on that server', async () => {
		const emu = emulator();
		const { caseId, existingId } = caseWithFile(emu, 'K16');
		const before = snapshot(emu);
		const credentials: EspoCredentialData = { baseUrl: emu.url, authMethod: 'hmac', apiKey: emu.users.hmacUser.apiKey, secretKey: emu.users.hmacUser.secretKey, hmacFormat: 'raw' };
		// The HMAC user appends its own upload: the Case is readable and editable for its role.
		const result = await runCase({ binaryMode, credentials, parameters: appendTo(caseId), items: [file()] });
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		expect(idsOn(emu, 'Case', caseId).sort()).toEqual([existingId, id].sort());
		expectUnchanged(emu, before, { attachments: [id], records: [`Case:${caseId}`] });
	});
});

