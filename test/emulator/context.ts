// What every API handler receives: the emulator's services plus the authenticated request.
import type { IncomingHttpHeaders } from 'node:http';

import type { Acl } from './acl';
import { badRequest, EspoError } from './http';
import type { Profile } from './profiles';
import type { Store } from './store';
import type { WebhookHub } from './webhooks';
import type { EmulatorUser } from './users';

/** Config values a client reads from `App/user` (api §2.5). MB, except where noted. */
export interface EmulatorSettings {
	attachmentUploadChunkSize: number;
	attachmentUploadMaxSize: number;
	/** `appParams.maxUploadSize`: PHP post_max_size in MB. */
	maxUploadSize: number;
}

export const DEFAULT_SETTINGS: EmulatorSettings = {
	attachmentUploadChunkSize: 4,
	attachmentUploadMaxSize: 256,
	maxUploadSize: 60,
};

export interface Services {
	store: Store;
	profile: Profile;
	settings: EmulatorSettings;
	/** The site URL (with the sub-directory), as `settings.siteUrl` shows it. */
	siteUrl: string;
	/** Webhooks and their event queue (observed §10); record saves report to it. */
	webhooks?: WebhookHub;
	/** Active auth tokens of `Espo-Authorization` logins: token → user id (api §2.6, Logout). */
	authTokens: Map<string, string>;
	/** Where OCC is not atomic (`profile.occAtomic` false): ms between a PUT's version check and its write (records.ts). */
	occRaceWindowMs: number;
}

export type JsonObject = Record<string, unknown>;

export interface ApiContext extends Services {
	user: EmulatorUser;
	/** The auth token of an `Espo-Authorization` login, else null (observed §1.14). */
	token: string | null;
	acl: Acl;
	method: string;
	/** Route placeholders, percent-decoded. */
	params: Record<string, string>;
	/** The raw query string (without `?`). */
	query: string;
	headers: IncomingHttpHeaders;
	/** The raw request body. */
	body: Buffer;
}

/**
 * Espo's parsed body (api §1 RequestWrapper): JSON only when the media type is application/json,
 * otherwise `{}`. Malformed JSON → 500 without reason (observed §6.35); a top-level array is
 * wrapped as `{list}` (§6.36); a scalar → 400 `Body is not a JSON object.` (§6.37).
 */
export function parsedBody(ctx: Pick<ApiContext, 'headers' | 'body'>): JsonObject {
	const contentType = String(ctx.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
	if (contentType !== 'application/json' || ctx.body.length === 0) return {};
	let value: unknown;
	try {
		value = JSON.parse(ctx.body.toString('utf8'));
	} catch {
		throw new EspoError(500, null);
	}
	if (Array.isArray(value)) return { list: value };
	if (value === null || typeof value !== 'object') throw badRequest('Body is not a JSON object.');
	return value as JsonObject;
}

export function stringOrNull(value: unknown): string | null {
	return typeof value === 'string' && value !== '' ? value : null;
}

export function header(ctx: Pick<ApiContext, 'headers'>, name: string): string | undefined {
	const value = ctx.headers[name.toLowerCase()];
	return Array.isArray(value) ? value[0] : value;
}
