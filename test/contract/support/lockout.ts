// EspoCRM's failed-login lockout (observed §1.b, api §2.6): more than 10 failed logins from one IP
// within 60 s, and every request with credentials, good ones too, is 403 (family B, no
// X-Status-Reason) until those failures are 60 s old. The contract suite makes some failed logins on
// purpose (wrong key, wrong secret, wrong password), so against a real server it
//   - spends them from a budget kept in a ledger file per server, shared by the jest workers and by
//     runs in a row, and waits before a deliberate failure that would exceed it;
//   - recognises a lockout when it meets one: at start it waits it out once; in a case it fails with
//     the explanation, and later requests of that run fail at once, naming the first failure.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { Reply } from './client';

/** authMaxFailedAttemptNumber / authFailedAttemptsPeriod defaults (api §2.6); observed: the 12th attempt is locked out. */
export const LOCKOUT_PERIOD_MS = 60_000;
export const ALLOWED_FAILURES = 11;
/** What the suite allows itself within one period: two below the limit, for anything else on this address. */
export const FAILED_LOGIN_BUDGET = 9;
/** A case that spends failed logins may wait for the budget: give it this long. */
export const SPENDING_TIMEOUT_MS = 3 * LOCKOUT_PERIOD_MS;

/** A locked-out answer: 403, PHP's default text/html type, no X-Status-Reason (observed §1.b). */
export function isLockoutReply(reply: Reply): boolean {
	return reply.status === 403 && reply.header('x-status-reason') === undefined && reply.rawName('content-type') === 'Content-type';
}

export function lockoutMessage(apiUrl: string): string {
	return (
		`EspoCRM at ${apiUrl} has locked this IP address out: it answered 403 without X-Status-Reason to valid credentials, ` +
		`which it does after more than ${ALLOWED_FAILURES - 1} failed logins from one address within 60 s (observed §1.b). ` +
		'Every request with credentials is refused until those failures are 60 s old. Wait a minute and run the suite again, ' +
		'and do not run other clients with wrong credentials (or a second suite) against this server from this address meanwhile.'
	);
}

export class LockoutError extends Error {}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function ledgerPath(apiUrl: string, kind: string): string {
	const key = createHash('sha256').update(apiUrl).digest('hex').slice(0, 16);
	return path.join(os.tmpdir(), `espocrm-contract-${kind}-${key}.json`);
}

/** A cross-process mutex on a directory (mkdir is atomic). */
async function withLock<T>(apiUrl: string, fn: () => T): Promise<T> {
	const lock = `${ledgerPath(apiUrl, 'lock')}.d`;
	for (let attempt = 0; ; attempt++) {
		try {
			fs.mkdirSync(lock);
			break;
		} catch {
			// A lock older than 10 s belongs to a crashed process.
			const stat = fs.statSync(lock, { throwIfNoEntry: false });
			if (stat && Date.now() - stat.mtimeMs > 10_000) fs.rmSync(lock, { recursive: true, force: true });
			await sleep(20 + Math.min(attempt, 10) * 10);
		}
	}
	try {
		return fn();
	} finally {
		fs.rmSync(lock, { recursive: true, force: true });
	}
}

function readTimes(file: string): number[] {
	try {
		const value = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
		return Array.isArray(value) ? value.filter((t): t is number => typeof t === 'number') : [];
	} catch {
		return [];
	}
}

/**
 * How long to wait before `count` more failed logins fit the budget, given the times (ms) of the
 * earlier ones: 0 when they fit now. A second of margin for the server's clock and the travel.
 */
export function waitBeforeSpending(times: readonly number[], now: number, count: number): number {
	const recent = times.filter((t) => t > now - LOCKOUT_PERIOD_MS - 1000).sort((a, b) => a - b);
	if (recent.length + count <= FAILED_LOGIN_BUDGET) return 0;
	// The failure that must have aged out before there is room for `count` more.
	const blocking = recent[recent.length + count - FAILED_LOGIN_BUDGET - 1];
	return blocking + LOCKOUT_PERIOD_MS + 1000 - now;
}

/**
 * Before `count` deliberate failed logins: waits until the failures of the last 60 s (this run, the
 * other worker, an earlier run) leave room for them within the budget, then books them.
 */
export async function spendFailedLogins(apiUrl: string, count: number, log: (message: string) => void = console.info): Promise<void> {
	const file = ledgerPath(apiUrl, 'failed-logins');
	let told = false;
	for (;;) {
		const waitMs = await withLock(apiUrl, () => {
			const now = Date.now();
			const times = readTimes(file).filter((t) => t > now - LOCKOUT_PERIOD_MS - 1000);
			const wait = waitBeforeSpending(times, now, count);
			if (wait === 0) fs.writeFileSync(file, JSON.stringify([...times, ...Array.from({ length: count }, () => now)]));
			return wait;
		});
		if (waitMs <= 0) return;
		if (!told && waitMs >= 5000) {
			log(`contract suite: waiting ${Math.ceil(waitMs / 1000)} s so that its deliberate failed logins stay below EspoCRM's lockout (observed §1.b)`);
			told = true;
		}
		await sleep(Math.min(waitMs, 5000));
	}
}
