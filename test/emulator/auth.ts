// Authentication as EspoCRM's Api\Auth does it (api §2.1–2.6, observed §1).
//
// Order: `Espo-Authorization` (user + password or token; API key headers are then ignored),
// then `X-Api-Key`, then `X-Hmac-Authorization`, then `Authorization: Basic`, else "no credentials".
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

import type { Profile } from './profiles';
import { ALL_USERS, type EmulatorUser } from './users';

export interface AuthRequest {
	method: string;
	/** The path after `/api/v1`, as received (percent-encoded), no query: what HMAC signs. */
	resourcePath: string;
	headers: IncomingHttpHeaders;
	ip: string;
}

export type AuthResult =
	| { kind: 'user'; user: EmulatorUser; token: string | null }
	/** 401 with `WWW-Authenticate` (unless XHR / Referer / 9.2+ POST). */
	| { kind: 'noCredentials' }
	/** 401 without X-Status-Reason or body (observed §1.03). */
	| { kind: 'denied' }
	/** 401 `X-Status-Reason: second-step-required` + JSON body (api §2.4). */
	| { kind: 'secondStepRequired' }
	/** 403 from the failed-attempts hook, family B, no X-Status-Reason (observed §1.b). */
	| { kind: 'lockedOut' };

/** The body of a 2FA "second step required" 401 (api §2.4 `handleSecondStepRequired()`). */
export const SECOND_STEP_BODY = { status: 'secondStepRequired', message: 'enterTotpCode', view: null, token: null, data: null };

// authMaxFailedAttemptNumber / authFailedAttemptsPeriod defaults (api §2.6).
const MAX_FAILED_ATTEMPTS = 10;
const FAILED_ATTEMPTS_PERIOD_MS = 60_000;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
	const value = headers[name.toLowerCase()];
	return Array.isArray(value) ? value[0] : value;
}

function splitOnce(text: string, separator: string): [string, string] | undefined {
	const at = text.indexOf(separator);
	return at < 0 ? undefined : [text.slice(0, at), text.slice(at + separator.length)];
}

function sameBytes(a: Buffer, b: Buffer): boolean {
	return a.length === b.length && timingSafeEqual(a, b);
}

/** The signature a client sends for `"<METHOD> <resourcePath>"` (api §2.3). */
export function hmacDigest(secret: string, method: string, resourcePath: string): Buffer {
	return createHmac('sha256', secret).update(`${method} ${resourcePath}`).digest();
}

export class Authenticator {
	/** The failed-login lockout (observed §1.b); off by default because tests send many bad keys. */
	lockoutEnabled = false;
	private readonly failures = new Map<string, number[]>();

	constructor(
		private readonly profile: Profile,
		private readonly tokens: Map<string, string>,
	) {}

	/** `WWW-Authenticate: Basic realm=""` only for a non-XHR request without Referer (and, 9.2+, not a POST). */
	wantsWwwAuthenticate(request: AuthRequest): boolean {
		if (header(request.headers, 'x-requested-with') === 'XMLHttpRequest') return false;
		if (header(request.headers, 'referer') !== undefined) return false;
		return !(request.method === 'POST' && !this.profile.wwwAuthenticateOnPost);
	}

	authenticate(request: AuthRequest): AuthResult {
		const { headers } = request;
		const espoAuthorization = header(headers, 'espo-authorization');
		if (espoAuthorization !== undefined) return this.loginEspoAuthorization(request, espoAuthorization);

		const apiKey = header(headers, 'x-api-key');
		if (apiKey !== undefined) return this.attempt(request, () => this.findApiUser('ApiKey', apiKey));

		const hmac = header(headers, 'x-hmac-authorization');
		if (hmac !== undefined) return this.attempt(request, () => this.checkHmac(request, hmac));

		const authorization = header(headers, 'authorization');
		if (authorization !== undefined && /^basic /i.test(authorization)) {
			const pair = splitOnce(Buffer.from(authorization.slice(6), 'base64').toString('utf8'), ':');
			return this.attempt(request, () => (pair ? this.passwordLogin(request, pair[0], pair[1], false) : undefined));
		}
		return { kind: 'noCredentials' };
	}

	private loginEspoAuthorization(request: AuthRequest, value: string): AuthResult {
		const pair = splitOnce(Buffer.from(value, 'base64').toString('utf8'), ':');
		const byTokenOnly = header(request.headers, 'espo-authorization-by-token') === 'true';
		if (pair && byTokenOnly) {
			// Token-only requests skip the failed-attempts hook (api §2.6).
			return this.tokenLogin(pair[0], pair[1]) ?? { kind: 'denied' };
		}
		return this.attempt(request, () => {
			if (!pair) return undefined;
			return this.tokenLogin(pair[0], pair[1]) ?? this.passwordLogin(request, pair[0], pair[1], true);
		});
	}

	/** Runs a login attempt under the failed-attempts hook. */
	private attempt(request: AuthRequest, login: () => AuthResult | undefined): AuthResult {
		if (this.isLockedOut(request.ip)) return { kind: 'lockedOut' };
		const result = login() ?? { kind: 'denied' };
		if (result.kind === 'denied') this.recordFailure(request.ip);
		return result;
	}

	private findApiUser(method: 'ApiKey' | 'Hmac', apiKey: string): AuthResult | undefined {
		// An HMAC user's key is not accepted as a plain API key (observed §1.24).
		const user = ALL_USERS.find((u) => u.type === 'api' && u.authMethod === method && u.apiKey === apiKey);
		return user ? { kind: 'user', user, token: null } : undefined;
	}

	private checkHmac(request: AuthRequest, value: string): AuthResult | undefined {
		const decoded = Buffer.from(value, 'base64');
		const colon = decoded.indexOf(':');
		if (colon < 0) return undefined;
		const apiKey = decoded.subarray(0, colon).toString('latin1');
		const signature = decoded.subarray(colon + 1);
		const found = this.findApiUser('Hmac', apiKey);
		if (!found || found.kind !== 'user' || !found.user.secretKey) return undefined;
		const digest = hmacDigest(found.user.secretKey, request.method, request.resourcePath);
		for (const encoding of this.profile.hmacEncodings) {
			const expected = encoding === 'hex' ? Buffer.from(digest.toString('hex'), 'latin1') : digest;
			if (sameBytes(signature, expected)) return found;
		}
		return undefined;
	}

	private tokenLogin(userName: string, token: string): AuthResult | undefined {
		const userId = this.tokens.get(token);
		const user = ALL_USERS.find((u) => u.id === userId);
		if (!user || user.userName !== userName) return undefined;
		return { kind: 'user', user, token };
	}

	/** Regular and admin users only: API users cannot log in with a password (api §2.4). */
	private passwordLogin(request: AuthRequest, userName: string, password: string, createToken: boolean): AuthResult | undefined {
		const user = ALL_USERS.find((u) => u.type !== 'api' && u.userName === userName && u.password === password);
		if (!user) return undefined;
		if (user.totpCode) {
			const code = header(request.headers, 'espo-authorization-code');
			if (code === undefined) return { kind: 'secondStepRequired' };
			if (code !== user.totpCode) return undefined;
		}
		// Only an `Espo-Authorization` login creates a token; Basic gives `token: null` (observed §1.14, §1.17).
		return { kind: 'user', user, token: createToken ? this.createToken(user) : null };
	}

	private createToken(user: EmulatorUser): string {
		const token = randomBytes(16).toString('hex');
		this.tokens.set(token, user.id);
		return token;
	}

	private recentFailures(ip: string): number[] {
		const since = Date.now() - FAILED_ATTEMPTS_PERIOD_MS;
		const recent = (this.failures.get(ip) ?? []).filter((t) => t > since);
		this.failures.set(ip, recent);
		return recent;
	}

	private isLockedOut(ip: string): boolean {
		return this.lockoutEnabled && this.recentFailures(ip).length > MAX_FAILED_ATTEMPTS;
	}

	private recordFailure(ip: string): void {
		if (!this.lockoutEnabled) return;
		this.recentFailures(ip).push(Date.now());
	}

	resetFailures(): void {
		this.failures.clear();
	}
}
