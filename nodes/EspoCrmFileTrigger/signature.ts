// EspoCRM's webhook signatures (observed §10.3): both cover the exact body bytes, keyed with the webhook's
// `secretKey` (ASCII), and name the webhook:
//   `X-Signature: base64(webhookId + ":" + raw 32-byte HMAC-SHA256)`  (8.x, and 9.x as "legacy")
//   `Signature:   base64(webhookId + ":" + hex HMAC-SHA256)`          (9.0 and later)
import { createHmac, timingSafeEqual } from 'crypto';

export interface SigningWebhook {
	id: string;
	secretKey: string;
}

type Headers = Record<string, string | string[] | undefined>;

function headerValue(headers: Headers, name: string): string | undefined {
	const value = headers[name];
	return Array.isArray(value) ? value[0] : value;
}

/** `base64(id + ":" + digest)` → id and digest bytes; undefined when it is not that shape. */
function split(value: string): { id: string; digest: Buffer } | undefined {
	const decoded = Buffer.from(value.trim(), 'base64');
	const colon = decoded.indexOf(0x3a);
	if (colon <= 0) return undefined;
	return { id: decoded.subarray(0, colon).toString('latin1'), digest: decoded.subarray(colon + 1) };
}

function sameBytes(a: Buffer, b: Buffer): boolean {
	return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The webhook a delivery comes from, when its signature is right; undefined otherwise. Every signature
 * header that is present must verify (9.x sends both), and at least one must be present.
 */
export function verifiedWebhook<T extends SigningWebhook>(body: Buffer, headers: Headers, webhooks: T[]): T | undefined {
	const hex = headerValue(headers, 'signature');
	const raw = headerValue(headers, 'x-signature');
	if (!hex && !raw) return undefined;
	let found: T | undefined;
	for (const [value, form] of [
		[hex, 'hex'],
		[raw, 'raw'],
	] as const) {
		if (!value) continue;
		const parts = split(value);
		const webhook = parts && webhooks.find((w) => w.id === parts.id);
		if (!parts || !webhook || (found && found !== webhook)) return undefined;
		const mac = createHmac('sha256', Buffer.from(webhook.secretKey, 'latin1')).update(body);
		const expected = form === 'hex' ? Buffer.from(mac.digest('hex'), 'latin1') : mac.digest();
		if (!sameBytes(parts.digest, expected)) return undefined;
		found = webhook;
	}
	return found;
}
