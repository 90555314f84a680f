// Observed §1 (authentication), §1.a (App/user), §1.b (lockout); api §2.
import { hmacAuthorization } from './support/client';
import { asUser, emulatorOnly, expectUnauthorized, startTarget, type Target, withAdmin } from './support/target';

let target: Target;
beforeAll(async () => {
	target = await startTarget();
});
afterAll(() => target.close());

const PUBLIC_SETTINGS_KEYS = [
	'useCache',
	'applicationName',
	'timeZone',
	'dateFormat',
	'timeFormat',
	'weekStart',
	'thousandSeparator',
	'decimalMark',
	'language',
	'theme',
	'aclAllowDeleteCreated',
	'useWebSocket',
	'cacheTimestamp',
	'siteUrl',
	'appTimestamp',
	'logoSrc',
];

const API_USER_KEYS = [
	'avatarColor', 'avatarId', 'avatarName', 'contactId', 'contactName', 'createdAt', 'createdById', 'createdByName',
	'defaultTeamId', 'defaultTeamName', 'deleted', 'emailAddress', 'emailAddressIsInvalid', 'emailAddressIsOptedOut',
	'emailAddressList', 'excludeFromReplyEmailAddressList', 'firstName', 'id', 'ipAddress', 'isActive', 'lastName',
	'middleName', 'modifiedAt', 'name', 'phoneNumber', 'phoneNumberIsInvalid', 'phoneNumberIsOptedOut', 'salutationName',
	'teamsIds', 'teamsNames', 'title', 'type', 'userEmailAddressList', 'userName', 'workingTimeCalendarId',
];

interface AppUser {
	user: Record<string, unknown>;
	token: string | null;
	settings: Record<string, unknown>;
	appParams: Record<string, unknown>;
}

describe('API key', () => {
	it('observed §1.01/§1.a: App/user answers user, acl, preferences, token, settings, language, appParams in that order', async () => {
		const reply = await target.api.get('/App/user');
		expect(reply.status).toBe(200);
		expect(reply.header('content-type')).toBe('application/json');
		const body = reply.json<AppUser>();
		expect(Object.keys(body)).toEqual(['user', 'acl', 'preferences', 'token', 'settings', 'language', 'appParams']);
		expect(body.token).toBeNull();
	});

	it('observed §1.a, §9: an API user has type "api", the 35 user keys (9.1+: 36, with teamsColumns) and no apiKey', async () => {
		const { user } = (await target.api.get('/App/user')).json<AppUser>();
		expect(user.type).toBe('api');
		expect(Object.keys(user).sort()).toEqual([...API_USER_KEYS, ...(target.since('9.1') ? ['teamsColumns'] : [])].sort());
		expect(user).not.toHaveProperty('apiKey');
	});

	it('observed §1.a: settings carry attachmentUploadChunkSize and attachmentUploadMaxSize, appParams maxUploadSize (numbers)', async () => {
		const { settings, appParams } = (await target.api.get('/App/user')).json<AppUser>();
		expect(typeof settings.attachmentUploadChunkSize).toBe('number');
		expect(typeof settings.attachmentUploadMaxSize).toBe('number');
		expect(typeof appParams.maxUploadSize).toBe('number');
	});

	emulatorOnly('the default settings', 'observed §1.a: defaults are chunk size 4, max size 256, maxUploadSize 60', async () => {
		const { settings, appParams } = (await target.api.get('/App/user')).json<AppUser>();
		expect([settings.attachmentUploadChunkSize, settings.attachmentUploadMaxSize, appParams.maxUploadSize]).toEqual([4, 256, 60]);
	});

	it('observed §1.02: GET / answers the JSON string "EspoCRM REST API"', async () => {
		const reply = await target.api.get('/');
		expect(reply.status).toBe(200);
		expect(reply.header('content-type')).toBe('application/json');
		expect(reply.text).toBe('"EspoCRM REST API"');
	});

	it('observed §1.03: a wrong key is 401, family B, no X-Status-Reason, no WWW-Authenticate, empty body', async () => {
		await target.spendFailedLogins(1);
		expectUnauthorized(await target.api.with({ apiKey: '00000000000000000000000000000000' }).get('/App/user'), false);
	});

	it('observed §1.04: GET / with a wrong key is the same 401', async () => {
		await target.spendFailedLogins(1);
		expectUnauthorized(await target.api.with({ apiKey: 'ffffffffffffffffffffffffffffffff' }).get('/'), false);
	});

	it('observed §1.05/§1.06: no credentials at all is 401 with WWW-Authenticate: Basic realm=""', async () => {
		expectUnauthorized(await target.anonymous.get('/App/user'), true);
		expectUnauthorized(await target.anonymous.get('/'), true);
	});

	it('observed §1.07: an XHR request without credentials gets no WWW-Authenticate', async () => {
		expectUnauthorized(await target.anonymous.get('/App/user', { headers: { 'X-Requested-With': 'XMLHttpRequest' } }), false);
	});

	it('observed §1.24: the HMAC user\'s key sent as X-Api-Key is 401', async () => {
		await target.spendFailedLogins(1);
		expectUnauthorized(await target.api.with({ apiKey: target.credentials.hmacKey }).get('/App/user'), false);
	});
});

describe('HMAC', () => {
	it('observed §1.08: a hex signature logs in; App/user shows type api and token null', async () => {
		const reply = await target.hmac.get('/App/user');
		expect(reply.status).toBe(200);
		const body = reply.json<AppUser>();
		expect(body.user.type).toBe('api');
		expect(body.token).toBeNull();
	});

	it('observed §1.09: the legacy raw-digest signature (base64 over the bytes key: + 32 raw bytes) logs in too', async () => {
		const legacy = target.hmac.with({ hmac: { key: target.credentials.hmacKey, secret: target.credentials.hmacSecret, encoding: 'raw' } });
		expect((await legacy.get('/App/user')).status).toBe(200);
	});

	it('observed §1.10: GET / is signed as "GET /"', async () => {
		const reply = await target.hmac.get('/');
		expect([reply.status, reply.text]).toEqual([200, '"EspoCRM REST API"']);
	});

	it('observed §1.11: a signature made with the wrong secret is 401', async () => {
		await target.spendFailedLogins(1);
		const wrong = target.hmac.with({ hmac: { key: target.credentials.hmacKey, secret: 'not-the-secret' } });
		expectUnauthorized(await wrong.get('/App/user'), false);
	});

	it('observed §1.12: the query string is not signed', async () => {
		const reply = await target.hmac.get('/Account?maxSize=1');
		expect(reply.status).toBe(200);
		expect(Object.keys(reply.json<object>())).toEqual(['total', 'list']);
	});

	it('observed §1.13: signing the query string too is 401', async () => {
		await target.spendFailedLogins(1);
		expectUnauthorized(await target.hmac.get('/Account?maxSize=1', { signPath: '/Account?maxSize=1' }), false);
	});

	it('api §2.3: the signature covers the method (a POST signature does not pass a GET)', async () => {
		await target.spendFailedLogins(1);
		const postSigned = hmacAuthorization(target.credentials.hmacKey, target.credentials.hmacSecret, 'POST', '/App/user');
		expectUnauthorized(await target.anonymous.get('/App/user', { headers: { 'X-Hmac-Authorization': postSigned } }), false);
	});
});

describe('user name and password', () => {
	withAdmin('observed §1.14: Espo-Authorization with user:password answers a 32-hex token', async () => {
		const { adminUser, adminPassword } = target.credentials;
		const reply = await target.api.with({ espo: { user: adminUser!, secret: adminPassword! } }).get('/App/user');
		expect(reply.status).toBe(200);
		const body = reply.json<AppUser>();
		expect(body.token).toMatch(/^[0-9a-f]{32}$/);
		expect(body.user.type).toBe('admin');
	});

	withAdmin('observed §1.15: the token logs in with Espo-Authorization-By-Token: true and is answered again', async () => {
		const { adminUser, adminPassword } = target.credentials;
		const { token } = (await target.api.with({ espo: { user: adminUser!, secret: adminPassword! } }).get('/App/user')).json<AppUser>();
		const reply = await target.api.with({ espo: { user: adminUser!, secret: token!, byToken: true } }).get('/App/user');
		expect(reply.status).toBe(200);
		expect(reply.json<AppUser>().token).toBe(token);
	});

	withAdmin('observed §1.15b: an unknown token is 401 without WWW-Authenticate', async () => {
		const reply = await target.api.with({ espo: { user: target.credentials.adminUser!, secret: 'ffffffffffffffffffffffffffffffff', byToken: true } }).get('/App/user');
		expectUnauthorized(reply, false);
	});

	withAdmin('observed §1.16: a wrong password is 401', async () => {
		await target.spendFailedLogins(1);
		expectUnauthorized(await target.api.with({ espo: { user: target.credentials.adminUser!, secret: 'wrong-password' } }).get('/App/user'), false);
	});

	withAdmin('observed §1.17: Authorization: Basic logs in and creates no token', async () => {
		const reply = await target.admin!.get('/App/user');
		expect(reply.status).toBe(200);
		expect(reply.json<AppUser>().token).toBeNull();
	});

	withAdmin('observed §1.18: Basic with a wrong password is 401', async () => {
		await target.spendFailedLogins(1);
		expectUnauthorized(await target.api.with({ basic: { user: target.credentials.adminUser!, password: 'wrong' } }).get('/App/user'), false);
	});

	emulatorOnly('needs the API user\'s user name', 'api §2.4: API users cannot log in with user name and password', async () => {
		const { apiUser } = target.emulator!.users;
		expectUnauthorized(await target.api.with({ espo: { user: apiUser.userName, secret: apiUser.apiKey! } }).get('/App/user'), false);
	});

	emulatorOnly('needs the regular user', 'api §2.4: a regular user logs in with a password and then with the token', async () => {
		const { regularUser } = target.emulator!.users;
		const login = await target.api.with({ espo: { user: regularUser.userName, secret: regularUser.password! } }).get('/App/user');
		const { token, user } = login.json<AppUser>();
		expect(user.type).toBe('regular');
		const again = await target.api.with({ espo: { user: regularUser.userName, secret: token! } }).get('/App/user');
		expect(again.json<AppUser>().token).toBe(token);
	});
});

describe('two-factor authentication (api §2.4)', () => {
	emulatorOnly('needs a 2FA user', 'api §2.4: a 2FA user without a code gets 401 second-step-required and the JSON body', async () => {
		const { twoFactorUser } = target.emulator!.users;
		const reply = await target.api.with({ espo: { user: twoFactorUser.userName, secret: twoFactorUser.password! } }).get('/App/user');
		expect(reply.status).toBe(401);
		expect(reply.header('x-status-reason')).toBe('second-step-required');
		expect(reply.json()).toEqual({ status: 'secondStepRequired', message: 'enterTotpCode', view: null, token: null, data: null });
	});

	emulatorOnly('needs a 2FA user', 'api §2.4: with the right Espo-Authorization-Code the 2FA user logs in; a wrong code is 401', async () => {
		const { twoFactorUser } = target.emulator!.users;
		const login = (code: string) => target.api.with({ espo: { user: twoFactorUser.userName, secret: twoFactorUser.password!, code } }).get('/App/user');
		expect((await login(twoFactorUser.totpCode!)).status).toBe(200);
		expectUnauthorized(await login('000000'), false);
	});
});

describe('Settings and App/about', () => {
	it('observed §1.19: GET Settings without auth is 200 with exactly the 16 public keys (no version, no upload sizes)', async () => {
		const reply = await target.anonymous.get('/Settings');
		expect(reply.status).toBe(200);
		expect(Object.keys(reply.json<object>()).sort()).toEqual([...PUBLIC_SETTINGS_KEYS].sort());
	});

	it('observed §1.20: GET Settings with a wrong key is still 200 with the public keys', async () => {
		await target.spendFailedLogins(1);
		const reply = await target.api.with({ apiKey: '00000000000000000000000000000000' }).get('/Settings');
		expect(reply.status).toBe(200);
		expect(Object.keys(reply.json<object>()).sort()).toEqual([...PUBLIC_SETTINGS_KEYS].sort());
	});

	it('observed §1.21: GET Settings with a good key adds version and the attachment sizes', async () => {
		const settings = (await target.api.get('/Settings')).json<Record<string, unknown>>();
		expect(settings.version).toMatch(/^\d+\.\d+\.\d+/);
		expect(typeof settings.attachmentUploadMaxSize).toBe('number');
		expect(typeof settings.attachmentUploadChunkSize).toBe('number');
	});

	it('observed §1.22: App/about answers {text, version}', async () => {
		const reply = await target.api.get('/App/about');
		expect(reply.status).toBe(200);
		const about = reply.json<Record<string, unknown>>();
		expect(Object.keys(about)).toEqual(['text', 'version']);
		expect(about.version).toMatch(/^\d+\.\d+\.\d+$/);
	});

	emulatorOnly('the profile\'s version', 'observed §1.22, §9: App/about answers the profile\'s version (8.4.2, 9.1.7, 9.3.10 or 10.0.0)', async () => {
		const expected = { '8.4': '8.4.2', '9.1': '9.1.7', '9.3': '9.3.10', '10.0': '10.0.0' }[target.emulator!.profile];
		expect((await target.api.get('/App/about')).json<{ version: string }>().version).toBe(expected);
	});

	it('observed §1.23: App/about without auth is 401 with WWW-Authenticate', async () => {
		expectUnauthorized(await target.anonymous.get('/App/about'), true);
	});
});

describe('maintenance and lockout switches', () => {
	emulatorOnly('needs the maintenance switch', 'api §7: maintenance mode answers 503 with a JSON message to non-admins; admins pass', async () => {
		target.emulator!.setMaintenance(true);
		try {
			const reply = await target.api.get('/App/user');
			expect(reply.status).toBe(503);
			expect(reply.json()).toEqual({ message: 'Application is in maintenance mode.' });
			expect((await target.admin!.get('/App/user')).status).toBe(200);
		} finally {
			target.emulator!.setMaintenance(false);
		}
		expect((await target.api.get('/App/user')).status).toBe(200);
	});

	emulatorOnly('the lockout switch is off by default', 'observed §1.b: with the lockout off (default) many bad keys never lock a good key out', async () => {
		const bad = target.api.with({ apiKey: '00000000000000000000000000000000' });
		for (let i = 0; i < 15; i += 1) expect((await bad.get('/App/user')).status).toBe(401);
		expect((await target.api.get('/App/user')).status).toBe(200);
	});

	emulatorOnly('needs the lockout switch', 'observed §1.b: after 11 failures in 60 s: 403 family B without reason, good key too; no-auth 401; Settings 200', async () => {
		target.emulator!.setLockout(true);
		try {
			const bad = target.api.with({ apiKey: '00000000000000000000000000000000' });
			for (let i = 0; i < 11; i += 1) expect((await bad.get('/App/user')).status).toBe(401);
			const locked = await bad.get('/App/user');
			expect([locked.status, locked.rawName('content-type'), locked.header('x-status-reason'), locked.text]).toEqual([403, 'Content-type', undefined, '']);
			expect((await target.api.get('/App/user')).status).toBe(403);
			expectUnauthorized(await target.anonymous.get('/App/user'), true);
			expect((await target.anonymous.get('/Settings')).status).toBe(200);
		} finally {
			target.emulator!.setLockout(false);
		}
		expect((await target.api.get('/App/user')).status).toBe(200);
	});

	emulatorOnly('needs a read-only user', 'issue #3: the demo users exist with their own credentials', async () => {
		for (const key of ['readOnlyUser', 'noDocumentUser', 'noFieldAccessUser'] as const) {
			const reply = await asUser(target, key).get('/App/user');
			expect(reply.status).toBe(200);
			expect(reply.json<AppUser>().user.userName).toBe(target.emulator!.users[key].userName);
		}
	});
});
