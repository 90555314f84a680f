// Where the contract cases run: a fresh emulator (default), or a real EspoCRM when ESPOCRM_URL and
// the credentials are set. The cases are the same; those that need the emulator (a version profile,
// a switch, a second role, the state reader) are marked and skipped against a real server.
import { type Emulator, type EmulatorOptions, startEmulator } from '../../emulator';
import { compareVersions } from '../../emulator/profiles';
import { Api, type Auth, type Reply, request } from './client';
import { isLockoutReply, LOCKOUT_PERIOD_MS, LockoutError, lockoutMessage, SPENDING_TIMEOUT_MS, spendFailedLogins } from './lockout';

export const REAL_URL = process.env.ESPOCRM_URL?.replace(/\/+$/, '');
export const AGAINST_REAL = Boolean(REAL_URL);

// A real server may make the suite wait out its failed-login lockout (lockout.ts): up to ~70 s per case.
if (AGAINST_REAL) jest.setTimeout(SPENDING_TIMEOUT_MS);

export interface Target {
	apiUrl: string;
	/** The server's version, from `GET App/about` (observed §1.22), e.g. '9.3.10'. */
	version: string;
	/** True when the server is this version or later: `target.since('9.1')`. Missing parts count as 0. */
	since(minimum: string): boolean;
	/** Present when running against the emulator. */
	emulator?: Emulator;
	/** The API-key user (full access to the demo entities). */
	api: Api;
	/** The HMAC user (hex signatures), a second user with the same access. */
	hmac: Api;
	/** Admin by user name + password, when known (always on the emulator). */
	admin?: Api;
	/** No credentials at all. */
	anonymous: Api;
	credentials: { apiKey: string; hmacKey: string; hmacSecret: string; adminUser?: string; adminPassword?: string };
	/** Remembers something to delete in `cleanup()` (as the given user). */
	track(kind: string, id: string, as?: Api): string;
	cleanup(): Promise<void>;
	close(): Promise<void>;
	/**
	 * Call before `count` deliberate failed logins: against a real server it waits until they fit the
	 * budget below EspoCRM's lockout (lockout.ts). The emulator's lockout is off unless a case turns it on.
	 */
	spendFailedLogins(count: number): Promise<void>;
}

/** `GET App/about` → version (8.1+, api §2.5). Waits out, once, a failed-login lockout met on the way (lockout.ts). */
async function serverVersion(api: Api): Promise<string> {
	const about = () => request(api.apiUrl, 'GET', '/App/about', { auth: api.auth });
	let reply = await about();
	if (isLockoutReply(reply)) {
		console.info(`contract suite: EspoCRM answers with its failed-login lockout (observed §1.b); waiting up to ${LOCKOUT_PERIOD_MS / 1000 + 10} s for it to end`);
		const until = Date.now() + LOCKOUT_PERIOD_MS + 10_000;
		while (isLockoutReply(reply) && Date.now() < until) {
			await new Promise((resolve) => setTimeout(resolve, 5000));
			reply = await about();
		}
		if (isLockoutReply(reply)) throw new LockoutError(lockoutMessage(api.apiUrl));
	}
	if (reply.status !== 200) {
		throw new Error(`GET App/about with the API key answered ${reply.status}: the contract suite needs it to learn the server's version (EspoCRM 8.1 or later, a valid ESPOCRM_API_KEY).`);
	}
	const { version } = reply.json<{ version?: unknown }>();
	if (typeof version !== 'string' || !/^\d+\.\d+/.test(version)) throw new Error(`GET App/about answered no version (${reply.text.slice(0, 200)}).`);
	return version;
}

/**
 * Stops at EspoCRM's failed-login lockout (observed §1.b) with one explanation instead of many odd
 * failures: the reply that shows it throws the explanation, and the later requests through this guard
 * (the rest of the test file) are not sent but fail at once, pointing at it.
 */
export function lockoutGuard(apiUrl: string): (reply?: Reply) => void {
	let lockedOutAt: number | null = null;
	return (reply) => {
		if (reply === undefined) {
			if (lockedOutAt !== null) {
				throw new LockoutError(`Not sent: this run met EspoCRM's failed-login lockout ${Math.round((Date.now() - lockedOutAt) / 1000)} s ago (see the first failure, "${lockoutMessage(apiUrl).slice(0, 60)}…").`);
			}
			return;
		}
		if (!isLockoutReply(reply)) return;
		lockedOutAt = Date.now();
		throw new LockoutError(lockoutMessage(apiUrl));
	};
}

function apiUrlOf(siteUrl: string): string {
	return siteUrl.endsWith('/api/v1') ? siteUrl : `${siteUrl}/api/v1`;
}

export async function startTarget(options: EmulatorOptions = {}): Promise<Target> {
	let emulator: Emulator | undefined;
	let credentials: Target['credentials'];
	let apiUrl: string;
	if (REAL_URL) {
		const env = (name: string) => {
			const value = process.env[name];
			if (!value) throw new Error(`${name} must be set when ESPOCRM_URL is`);
			return value;
		};
		apiUrl = apiUrlOf(REAL_URL);
		credentials = {
			apiKey: env('ESPOCRM_API_KEY'),
			hmacKey: env('ESPOCRM_HMAC_KEY'),
			hmacSecret: env('ESPOCRM_HMAC_SECRET'),
			adminUser: process.env.ESPOCRM_ADMIN_USER,
			adminPassword: process.env.ESPOCRM_ADMIN_PASSWORD,
		};
	} else {
		emulator = await startEmulator(options);
		apiUrl = emulator.apiUrl;
		const { apiUser, hmacUser, admin } = emulator.users;
		credentials = {
			apiKey: apiUser.apiKey!,
			hmacKey: hmacUser.apiKey!,
			hmacSecret: hmacUser.secretKey!,
			adminUser: admin.userName,
			adminPassword: admin.password,
		};
	}
	const guard = AGAINST_REAL ? lockoutGuard(apiUrl) : undefined;
	const api = new Api(apiUrl, { apiKey: credentials.apiKey }, guard);
	const version = await serverVersion(api);
	const hmac = new Api(apiUrl, { hmac: { key: credentials.hmacKey, secret: credentials.hmacSecret } }, guard);
	const admin =
		credentials.adminUser && credentials.adminPassword
			? new Api(apiUrl, { basic: { user: credentials.adminUser, password: credentials.adminPassword } }, guard)
			: undefined;
	const created: { kind: string; id: string; as: Api }[] = [];
	const cleanup = async () => {
		for (const { kind, id, as } of created.reverse()) await as.delete(`/${kind}/${id}`).catch(() => undefined);
		created.length = 0;
	};
	return {
		apiUrl,
		version,
		since: (minimum) => compareVersions(version, minimum) >= 0,
		emulator,
		api,
		hmac,
		admin,
		anonymous: new Api(apiUrl, null, guard),
		credentials,
		track(kind, id, as = api) {
			created.push({ kind, id, as });
			return id;
		},
		cleanup,
		async close() {
			await cleanup();
			await emulator?.close();
		},
		spendFailedLogins: async (count) => {
			if (AGAINST_REAL) await spendFailedLogins(apiUrl, count);
		},
	};
}

/** The emulator's API for one of its users (emulator-only cases). */
export function asUser(target: Target, key: keyof Emulator['users']): Api {
	const user = target.emulator!.users[key];
	let auth: Auth;
	if (user.authMethod === 'ApiKey') auth = { apiKey: user.apiKey! };
	else if (user.authMethod === 'Hmac') auth = { hmac: { key: user.apiKey!, secret: user.secretKey! } };
	else auth = { basic: { user: user.userName, password: user.password! } };
	return new Api(target.apiUrl, auth);
}

/** A case that needs the emulator; skipped, with its reason in the name, against a real server. */
export function emulatorOnly(reason: string, name: string, fn: () => Promise<void>, timeout?: number): void {
	if (AGAINST_REAL) it.skip(`${name} [emulator only: ${reason}]`, fn);
	else it(name, fn, timeout);
}

/** A case that needs the admin credentials (always there on the emulator). */
export function withAdmin(name: string, fn: () => Promise<void>): void {
	if (AGAINST_REAL && !(process.env.ESPOCRM_ADMIN_USER && process.env.ESPOCRM_ADMIN_PASSWORD)) it.skip(`${name} [needs ESPOCRM_ADMIN_USER/PASSWORD]`, fn);
	else it(name, fn);
}

// --- assertions on the response families (observed §0.1) ---------------------------------------

/** Family A: `Content-Type: application/json`, the reason in X-Status-Reason, body empty unless given. */
export function expectFamilyA(reply: Reply, status: number, reason: string | null, body?: unknown): void {
	expect({ status: reply.status, ct: reply.header('content-type'), reason: reply.header('x-status-reason') ?? null }).toEqual({
		status,
		ct: 'application/json',
		reason,
	});
	if (body === undefined) expect(reply.text).toBe('');
	else expect(reply.json()).toEqual(body);
}

/** Family B: PHP's `Content-type: text/html; charset=UTF-8` (lower-case t), empty body. */
export function expectFamilyB(reply: Reply, status: number, reason: string | null): void {
	expect({
		status: reply.status,
		ctName: reply.rawName('content-type'),
		ct: reply.header('content-type'),
		reason: reply.header('x-status-reason') ?? null,
		body: reply.text,
	}).toEqual({ status, ctName: 'Content-type', ct: 'text/html; charset=UTF-8', reason, body: '' });
}

/** A 401 (observed §1 rules): family B, never X-Status-Reason, WWW-Authenticate only without credentials. */
export function expectUnauthorized(reply: Reply, wwwAuthenticate: boolean): void {
	expectFamilyB(reply, 401, null);
	expect(reply.header('www-authenticate')).toBe(wwwAuthenticate ? 'Basic realm=""' : undefined);
}

export const DATE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
export const ESPO_ID = /^[0-9a-f]{17}$/;

/** A unique suffix so names never collide with earlier runs on a real server. */
export function runId(): string {
	return `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

export function dataUri(contents: Buffer | string, mime = 'text/plain'): string {
	return `data:${mime};base64,${Buffer.from(contents).toString('base64')}`;
}

/** The baseline upload of observed §2.01. */
export function probeUpload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		name: 'probe.txt',
		type: 'text/plain',
		size: 11,
		role: 'Attachment',
		relatedType: 'Document',
		field: 'file',
		file: dataUri('hello probe'),
		...overrides,
	};
}

/** A 1×1 PNG (70 bytes, as in observed §2.31). */
export const DOT_PNG = Buffer.from(
	'89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a0d0a7e10000000049454e44ae426082',
	'hex',
);

/**
 * An Attachment answer's keys (observed §2.01, §3.01, §4.a, §6.01): `keys` in that order, and from 9.2
 * also `modifiedAt` (observed §9). Its position was not observed, so the order is compared without it.
 */
export function expectAttachmentKeys(target: Target, body: object, keys: readonly string[]): void {
	const actual = Object.keys(body);
	expect({ order: actual.filter((key) => key !== 'modifiedAt'), modifiedAt: actual.includes('modifiedAt') }).toEqual({
		order: keys,
		modifiedAt: target.since('9.2'),
	});
}
