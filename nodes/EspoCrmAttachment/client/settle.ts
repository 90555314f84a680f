import { sleep } from 'n8n-workflow';

import { mayStillBeRunning } from './errors';

/**
 * After the node's own timeout or a proxy's 504/524, PHP may still be working on the request (it
 * does not stop when the client or the proxy stops waiting): what EspoCRM shows at once may only be
 * "not yet". The pauses after which the node looks again before it concludes that a write did not
 * happen, and so before it cleans up, sends again or reports the item failed.
 */
export const LATE_WRITE_LOOKS_MS = [2000, 5000];

/**
 * Settles a write whose answer was lost by asking EspoCRM what it holds: `look()` once and, when
 * the write may still be running and the answer does not show it `done`, again after each pause of
 * LATE_WRITE_LOOKS_MS. Returns the last answer; `done` should also accept an answer that ends the
 * looking otherwise (EspoCRM unreachable). A look that throws ends it too (the caller's catch).
 */
export async function lookUntilSettled<T>(error: unknown, look: () => Promise<T>, done: (seen: T) => boolean): Promise<T> {
	let seen = await look();
	if (done(seen) || !mayStillBeRunning(error)) return seen;
	for (const pause of LATE_WRITE_LOOKS_MS) {
		await sleep(pause);
		seen = await look();
		if (done(seen)) break;
	}
	return seen;
}
