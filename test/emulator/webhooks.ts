// Webhooks as observed on real 8.4.2 and 9.3.10 (observed §10): the `Webhook` entity and its access rule,
// the internal-URL check (9.3.2+), the event queue fed by record saves (never by the relationship
// endpoint), the `ProcessWebhookQueue` job (run by a control call, not by a clock), batched signed
// deliveries in each version's header form, retries after `webhookFailAttemptPeriod`, 410 deletes.
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { ServerResponse } from 'node:http';

import { Acl } from './acl';
import { type ApiContext, type JsonObject, parsedBody, type Services } from './context';
import { espoDateTime, forbidden, notFound, sendJson, validationFailure } from './http';
import { type EntityDef, entityDef } from './metadata';
import { newId } from './store';
import { userById } from './users';

/** `webhookMaxCountPerUser` (observed §10.1). */
const MAX_PER_USER = 50;
/** `webhookQueueEventPortionSize`, `webhookQueuePortionSize`, `webhookBatchSize` (observed §10.4). */
const EVENT_PORTION = 20;
const WEBHOOK_PORTION = 20;
const BATCH_SIZE = 50;
/** `webhookFailAttemptPeriod` (10 minutes) and `webhookMaxAttemptNumber` (observed §10.4). */
const FAIL_ATTEMPT_PERIOD_MS = 10 * 60 * 1000;
const MAX_ATTEMPTS = 4;
/** `webhookConnectTimeout` 5 s, `webhookTimeout` 10 s (observed §10.3). */
const CONNECT_TIMEOUT_MS = 5000;
const TOTAL_TIMEOUT_MS = 10000;
/** Statuses that are retried (source `Core/Webhook/Queue`, observed §10.4); 0 = no connection. */
const RETRYABLE = new Set([0, 401, 403, 404, 405, 408, 500, 503]);
/** Entity types without `scopes.*.object`: no events (observed §10.04). */
const NOT_AVAILABLE = new Set(['Note', 'Attachment', 'User']);

export interface WebhookRow {
	id: string;
	deleted: boolean;
	event: string;
	url: string;
	isActive: boolean;
	entityType: string;
	type: string;
	field: string | null;
	secretKey: string;
	createdAt: string;
	modifiedAt: string;
	createdById: string;
	modifiedById: string | null;
	userId: string;
	skipOwn: boolean;
	description: string | null;
}

interface EventItem {
	event: string;
	entityType: string;
	recordId: string;
	data: JsonObject;
	userId: string;
}

export interface QueueItem {
	seq: number;
	webhookId: string;
	event: string;
	entityType: string;
	recordId: string;
	data: JsonObject;
	status: 'Pending' | 'Success' | 'Failed';
	attempts: number;
	/** Emulator clock ms; null = send at the next run. */
	processAt: number | null;
}

export interface Delivery {
	webhookId: string;
	url: string;
	/** The receiver's status; 0 = no answer (connection failure or timeout); -1 = refused before sending (internal host). */
	status: number;
	events: number;
	body: string;
	headers: Record<string, string>;
	at: number;
}

/** Version a ≥ version b, numerically per part ('9.3.10' > '9.3.2'). */
export function versionAtLeast(version: string, wanted: string): boolean {
	const a = version.split('.').map((part) => Number.parseInt(part, 10) || 0);
	const b = wanted.split('.').map((part) => Number.parseInt(part, 10) || 0);
	for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
		if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
	}
	return true;
}

/** PHP `json_encode` defaults: `\/` and `\uXXXX` for every non-ASCII character (observed §10.3). */
export function phpJson(value: unknown): string {
	return JSON.stringify(value)
		.replace(/\//g, '\\/')
		.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Loopback, private, link-local, unique-local and unspecified addresses (Espo's `Webhook\Url\NotInternal`). */
function isInternalHost(host: string): boolean {
	const name = host.replace(/^\[|\]$/g, '').toLowerCase();
	if (name === 'localhost' || name.endsWith('.localhost')) return true;
	if (isIP(name) === 4) {
		const [a, b] = name.split('.').map(Number);
		return a === 127 || a === 10 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
	}
	if (isIP(name) === 6) return name === '::1' || name === '::' || /^f[cd]/.test(name) || /^fe80/.test(name);
	return false;
}

function hostPort(url: URL): string {
	const port = url.port || (url.protocol === 'https:' ? '443' : '80');
	return `${url.hostname.replace(/^\[|\]$/g, '')}:${port}`;
}

const LINKISH = ['file', 'image', 'link', 'linkParent'];
const MULTIPLE = ['linkMultiple', 'attachmentMultiple'];

/**
 * `{Entity}.create` payload = `$entity->getValueMap()`: only the attributes set while creating (observed
 * §10.2 W1, W11), never `<f>Types`, never the defaults that are empty strings.
 */
export function createPayload(def: EntityDef, view: JsonObject, input: JsonObject): JsonObject {
	const payload: JsonObject = { id: view.id };
	if ('name' in input) payload.name = view.name;
	payload.deleted = false;
	for (const [field, fd] of Object.entries(def.fields)) {
		if (field === 'name' || LINKISH.includes(fd.type) || MULTIPLE.includes(fd.type)) continue;
		if (field in input && input[field] !== '' && input[field] !== undefined) payload[field] = view[field];
	}
	payload.createdAt = view.createdAt;
	payload.modifiedAt = view.modifiedAt;
	for (const [field, fd] of Object.entries(def.fields)) {
		if (!LINKISH.includes(fd.type) || input[`${field}Id`] === undefined || input[`${field}Id`] === null) continue;
		payload[`${field}Id`] = view[`${field}Id`];
		payload[`${field}Name`] = view[`${field}Name`];
	}
	payload.createdById = view.createdById;
	for (const [field, fd] of Object.entries(def.fields)) {
		if (!MULTIPLE.includes(fd.type) || !Array.isArray(input[`${field}Ids`]) || (input[`${field}Ids`] as unknown[]).length === 0) continue;
		payload[`${field}Ids`] = view[`${field}Ids`];
		payload[`${field}Names`] = view[`${field}Names`];
	}
	return payload;
}

/** Attributes an update event leaves out (observed §10.2: skip list; `<f>Types` absent in W5). */
const UPDATE_SKIP = /^(modifiedAt|isFollowed|isStarred|followersIds|followersNames|streamUpdatedAt|versionNumber|.*Types)$/;

/** `{Entity}.update` payload: every changed attribute, `id` last (observed §10.2 W2, W5, W9, W10). */
export function updatePayload(before: JsonObject, after: JsonObject): JsonObject | null {
	const payload: JsonObject = {};
	for (const [attribute, value] of Object.entries(after)) {
		if (attribute === 'id' || UPDATE_SKIP.test(attribute)) continue;
		if (JSON.stringify(before[attribute] ?? null) !== JSON.stringify(value ?? null)) payload[attribute] = value;
	}
	if (Object.keys(payload).length === 0) return null;
	payload.id = after.id;
	return payload;
}

/**
 * `{Entity}.fieldUpdate.{field}` payloads for the file fields whose actual attribute changed: `id` first,
 * then all of the field's attributes (observed §10.2 W2, W5). ⚠ `<f>Types` is the map as it was BEFORE
 * the save (observed §10.6 #9).
 */
export function fieldUpdatePayloads(def: EntityDef, before: JsonObject, after: JsonObject): Array<{ field: string; data: JsonObject }> {
	const result: Array<{ field: string; data: JsonObject }> = [];
	for (const [field, fd] of Object.entries(def.fields)) {
		if (fd.type === 'file' || fd.type === 'image') {
			if ((before[`${field}Id`] ?? null) === (after[`${field}Id`] ?? null)) continue;
			result.push({ field, data: { id: after.id, [`${field}Id`]: after[`${field}Id`], [`${field}Name`]: after[`${field}Name`] } });
		} else if (fd.type === 'attachmentMultiple') {
			if (JSON.stringify(before[`${field}Ids`] ?? []) === JSON.stringify(after[`${field}Ids`] ?? [])) continue;
			result.push({
				field,
				data: { id: after.id, [`${field}Ids`]: after[`${field}Ids`], [`${field}Names`]: after[`${field}Names`], [`${field}Types`]: before[`${field}Types`] ?? {} },
			});
		}
	}
	return result;
}

export class WebhookHub {
	readonly webhooks = new Map<string, WebhookRow>();

	/** `webhook_event_queue_item` (not yet expanded per webhook). */
	readonly events: EventItem[] = [];

	/** `webhook_queue_item`. */
	readonly queue: QueueItem[] = [];

	readonly deliveries: Delivery[] = [];

	/** Users whose role has `"Webhook": true` (observed §10.02); the stock API role has not. */
	readonly grantedUserIds = new Set<string>();

	/** `webhookAllowedAddressList`: exact `host:port` entries (observed §10.1). */
	allowedAddresses: string[] = [];

	/** Moves the job's clock forward (retries wait 10 minutes). */
	clockOffsetMs = 0;

	private seq = 0;

	constructor(private readonly services: Services) {}

	now(): number {
		return Date.now() + this.clockOffsetMs;
	}

	/** 9.3.2+ refuses internal URLs at create and at send time (observed §10.05, §10.27). */
	get checksInternalUrls(): boolean {
		return versionAtLeast(this.services.profile.version, '9.3.2');
	}

	/** 9.0+ adds the hex `Signature` header (observed §10.3). */
	get sendsHexSignature(): boolean {
		return versionAtLeast(this.services.profile.version, '9.0.0');
	}

	// --- events (Core/Webhook/Manager) -------------------------------------------------------------

	private hasEvent(event: string): boolean {
		return [...this.webhooks.values()].some((w) => !w.deleted && w.isActive && w.event === event);
	}

	private queueEvent(event: string, entityType: string, recordId: string, data: JsonObject, userId: string): void {
		if (this.hasEvent(event)) this.events.push({ event, entityType, recordId, data, userId });
	}

	afterCreate(entityType: string, def: EntityDef, view: JsonObject, input: JsonObject, userId: string): void {
		this.queueEvent(`${entityType}.create`, entityType, String(view.id), createPayload(def, view, input), userId);
	}

	afterUpdate(entityType: string, def: EntityDef, before: JsonObject, after: JsonObject, userId: string): void {
		const payload = updatePayload(before, after);
		if (payload) this.queueEvent(`${entityType}.update`, entityType, String(after.id), payload, userId);
		for (const { field, data } of fieldUpdatePayloads(def, before, after)) {
			this.queueEvent(`${entityType}.fieldUpdate.${field}`, entityType, String(after.id), data, userId);
		}
	}

	afterDelete(entityType: string, id: string, userId: string): void {
		this.queueEvent(`${entityType}.delete`, entityType, id, { id }, userId);
	}

	// --- the job (Core/Webhook/Queue) ------------------------------------------------------------------

	/** One run of `ProcessWebhookQueue`: expand events into items per webhook, then send (observed §10.21). */
	async runJob(): Promise<Delivery[]> {
		for (const event of this.events.splice(0, EVENT_PORTION)) {
			for (const webhook of this.webhooks.values()) {
				if (webhook.deleted || webhook.event !== event.event) continue;
				this.queue.push({
					seq: ++this.seq,
					webhookId: webhook.id,
					event: event.event,
					entityType: event.entityType,
					recordId: event.recordId,
					data: event.data,
					status: 'Pending',
					attempts: 0,
					processAt: null,
				});
			}
		}
		const now = this.now();
		const due = this.queue.filter((item) => item.status === 'Pending' && (item.processAt === null || item.processAt <= now));
		const webhookIds = [...new Set(due.map((item) => item.webhookId))].slice(0, WEBHOOK_PORTION);
		const sent: Delivery[] = [];
		for (const webhookId of webhookIds) {
			const delivery = await this.sendFor(webhookId, due.filter((item) => item.webhookId === webhookId).slice(0, BATCH_SIZE));
			if (delivery) sent.push(delivery);
		}
		return sent;
	}

	private removeItems(items: QueueItem[]): void {
		for (const item of items) {
			const index = this.queue.indexOf(item);
			if (index >= 0) this.queue.splice(index, 1);
		}
	}

	private async sendFor(webhookId: string, candidates: QueueItem[]): Promise<Delivery | undefined> {
		const webhook = this.webhooks.get(webhookId);
		if (!webhook || webhook.deleted) {
			this.removeItems(candidates);
			return undefined;
		}
		const user = userById(webhook.userId);
		const acl = user ? new Acl(user, this.services.store) : undefined;
		// Dropped silently: the record is gone (except for delete events, read withDeleted), the webhook's
		// user may no longer read it, or the webhook is inactive (observed §10.4).
		const items = candidates.filter((item) => {
			if (!webhook.isActive || !acl) return false;
			const row = this.services.store.table(item.entityType).get(item.recordId);
			if (!row || (row.deleted && !item.event.endsWith('.delete'))) return false;
			return acl.checkRecord(item.entityType, row, 'read') && acl.checkScope(item.entityType, 'read');
		});
		this.removeItems(candidates.filter((item) => !items.includes(item)));
		if (items.length === 0) return undefined;

		const body = phpJson(items.map((item) => item.data));
		const url = new URL(webhook.url);
		const at = this.now();
		if (this.checksInternalUrls && isInternalHost(url.hostname) && !this.allowedAddresses.includes(hostPort(url))) {
			// An exception: Failed at once, no retry (observed §10.27).
			for (const item of items) {
				item.attempts += 1;
				item.status = 'Failed';
			}
			const refused: Delivery = { webhookId, url: webhook.url, status: -1, events: items.length, body, headers: {}, at };
			this.deliveries.push(refused);
			return refused;
		}
		const headers = this.signedHeaders(webhook, body);
		const status = await post(url, headers, body);
		const delivery: Delivery = { webhookId, url: webhook.url, status, events: items.length, body, headers, at };
		this.deliveries.push(delivery);
		if (status >= 200 && status < 400) {
			for (const item of items) {
				item.attempts += 1;
				item.status = 'Success';
			}
		} else if (status === 410) {
			// 410 deletes the webhook and its pending items (observed §10.26).
			webhook.deleted = true;
			this.removeItems(this.queue.filter((item) => item.webhookId === webhookId && item.status === 'Pending'));
		} else {
			for (const item of items) {
				item.attempts += 1;
				if (RETRYABLE.has(status) && item.attempts < MAX_ATTEMPTS) {
					item.processAt = this.now() + FAIL_ATTEMPT_PERIOD_MS;
				} else {
					item.status = 'Failed';
				}
			}
		}
		return delivery;
	}

	/** 8.4: `X-Signature` only (raw digest); 9.0+: `Signature` (hex) then `X-Signature` (observed §10.3). */
	signedHeaders(webhook: WebhookRow, body: string): Record<string, string> {
		const mac = () => createHmac('sha256', Buffer.from(webhook.secretKey, 'ascii')).update(body, 'utf8');
		const headers: Record<string, string> = {
			Accept: '*/*',
			'Content-Type': 'application/json',
			'Content-Length': String(Buffer.byteLength(body, 'utf8')),
		};
		if (this.sendsHexSignature) headers.Signature = Buffer.from(`${webhook.id}:${mac().digest('hex')}`, 'binary').toString('base64');
		headers['X-Signature'] = Buffer.concat([Buffer.from(`${webhook.id}:`, 'ascii'), mac().digest()]).toString('base64');
		return headers;
	}

	// --- the Webhook entity (Controllers/Webhook, observed §10.1) -----------------------------------

	private checkAccess(ctx: ApiContext): void {
		// Only admins and API users; an API user needs `"Webhook": true` in its role.
		if (ctx.user.type === 'admin') return;
		if (ctx.user.type !== 'api') throw forbidden('');
	}

	private canCreate(ctx: ApiContext): boolean {
		return ctx.user.type === 'admin' || this.grantedUserIds.has(ctx.user.id);
	}

	private visible(ctx: ApiContext, row: WebhookRow): boolean {
		if (row.deleted) return false;
		if (ctx.user.type === 'admin') return true;
		return this.grantedUserIds.has(ctx.user.id) && row.userId === ctx.user.id;
	}

	/** 8.4.2: 15 keys; 9.3: 17 (adds `skipOwn`, `description`); admins also see `userId`, `userName` (observed §10.06–10.07). */
	view(ctx: ApiContext, row: WebhookRow): JsonObject {
		const view: JsonObject = {
			id: row.id,
			deleted: row.deleted,
			event: row.event,
			url: row.url,
			isActive: row.isActive,
			entityType: row.entityType,
			type: row.type,
			field: row.field,
			secretKey: row.secretKey,
			createdAt: row.createdAt,
			modifiedAt: row.modifiedAt,
			createdById: row.createdById,
			createdByName: userById(row.createdById)?.name ?? null,
			modifiedById: row.modifiedById,
			modifiedByName: row.modifiedById ? (userById(row.modifiedById)?.name ?? null) : null,
		};
		if (versionAtLeast(this.services.profile.version, '9.2.0')) {
			view.skipOwn = row.skipOwn;
			view.description = row.description;
		}
		if (ctx.user.type === 'admin') {
			view.userId = row.userId;
			view.userName = userById(row.userId)?.name ?? null;
		}
		return view;
	}

	private parseEvent(event: unknown): { entityType: string; type: string; field: string | null } {
		const parts = typeof event === 'string' ? event.split('.') : [];
		const [entityType, type, field] = parts;
		const valid =
			(parts.length === 2 && ['create', 'update', 'delete'].includes(type)) || (parts.length === 3 && type === 'fieldUpdate' && field !== '');
		if (!entityType || !valid) throw validationFailure('Webhook', 'event', 'valid');
		if (NOT_AVAILABLE.has(entityType) || !entityDef(entityType)) throw forbidden('Entity type is not available for Webhooks.');
		return { entityType, type, field: field ?? null };
	}

	create(ctx: ApiContext, res: ServerResponse): void {
		this.checkAccess(ctx);
		if (!this.canCreate(ctx)) throw forbidden('No create access.'); // observed §10.01
		const data = parsedBody(ctx);
		if (typeof data.url !== 'string' || data.url === '') throw validationFailure('Webhook', 'url');
		let url: URL;
		try {
			url = new URL(data.url);
		} catch {
			throw validationFailure('Webhook', 'url', 'valid');
		}
		if (this.checksInternalUrls && isInternalHost(url.hostname) && !this.allowedAddresses.includes(hostPort(url))) {
			throw validationFailure('Webhook', 'url', 'notInternal'); // observed §10.05
		}
		const { entityType, type, field } = this.parseEvent(data.event);
		if (!ctx.acl.checkScope(entityType, 'read')) throw forbidden('Entity type is not available for Webhooks.');
		if (ctx.user.type !== 'admin' && [...this.webhooks.values()].filter((w) => !w.deleted && w.userId === ctx.user.id).length >= MAX_PER_USER) {
			throw forbidden('Webhook number limit is exceeded.');
		}
		const now = espoDateTime(new Date(this.now()));
		const row: WebhookRow = {
			id: newId(),
			deleted: false,
			event: String(data.event),
			url: data.url,
			isActive: data.isActive !== false,
			entityType,
			type,
			field,
			secretKey: randomBytes(16).toString('hex'),
			createdAt: now,
			modifiedAt: now,
			createdById: ctx.user.id,
			modifiedById: null,
			userId: ctx.user.type === 'api' ? ctx.user.id : typeof data.userId === 'string' ? data.userId : ctx.user.id,
			skipOwn: data.skipOwn === true,
			description: typeof data.description === 'string' ? data.description : null,
		};
		this.webhooks.set(row.id, row);
		const view = this.view(ctx, row);
		delete view.modifiedById; // the create answer has 14 keys (observed §10.03)
		sendJson(res, view, 201); // ⚠ 201, where every other create answers 200
	}

	read(ctx: ApiContext): JsonObject {
		this.checkAccess(ctx);
		const row = this.webhooks.get(ctx.params.id);
		if (!row || !this.visible(ctx, row)) {
			if (row && !row.deleted) throw forbidden("No 'read' access.");
			throw notFound(`Record ${ctx.params.id} does not exist.`);
		}
		return this.view(ctx, row);
	}

	list(ctx: ApiContext): JsonObject {
		this.checkAccess(ctx);
		if (!this.canCreate(ctx)) throw forbidden('');
		const rows = [...this.webhooks.values()].filter((row) => this.visible(ctx, row));
		const query = new URLSearchParams(ctx.query);
		const offset = Number(query.get('offset') ?? 0) || 0;
		const maxSize = Number(query.get('maxSize') ?? 0) || 200;
		if (maxSize > 200) throw forbidden('Max size should not exceed 200. Use offset and limit.');
		return { total: rows.length, list: rows.slice(offset, offset + maxSize).map((row) => this.view(ctx, row)) };
	}

	update(ctx: ApiContext): JsonObject {
		this.checkAccess(ctx);
		const row = this.webhooks.get(ctx.params.id);
		if (!row || row.deleted) throw notFound(`Record ${ctx.params.id} not found.`);
		if (!this.visible(ctx, row)) throw forbidden('No edit access.');
		const data = parsedBody(ctx);
		if (typeof data.isActive === 'boolean') row.isActive = data.isActive;
		if (typeof data.url === 'string') row.url = data.url;
		row.modifiedAt = espoDateTime(new Date(this.now()));
		row.modifiedById = ctx.user.id;
		return this.view(ctx, row);
	}

	delete(ctx: ApiContext): boolean {
		this.checkAccess(ctx);
		const row = this.webhooks.get(ctx.params.id);
		if (!row || row.deleted) throw notFound(`Record ${ctx.params.id} not found.`);
		if (!this.visible(ctx, row)) throw forbidden('No delete access.');
		row.deleted = true;
		return true;
	}

	// --- for tests and the control surface ---------------------------------------------------------

	grant(userId: string, on: boolean): void {
		if (on) this.grantedUserIds.add(userId);
		else this.grantedUserIds.delete(userId);
	}

	advanceClock(ms: number): void {
		this.clockOffsetMs += ms;
	}

	live(): WebhookRow[] {
		return [...this.webhooks.values()].filter((row) => !row.deleted).map((row) => ({ ...row }));
	}
}

/** The sender: POST with the body verbatim, connect timeout 5 s, total 10 s; 0 = no answer (observed §10.3). */
async function post(url: URL, headers: Record<string, string>, body: string): Promise<number> {
	const client = url.protocol === 'https:' ? https : http;
	return await new Promise<number>((resolve) => {
		let settled = false;
		const done = (status: number) => {
			if (settled) return;
			settled = true;
			clearTimeout(total);
			resolve(status);
		};
		const request = client.request(url, { method: 'POST', headers, timeout: CONNECT_TIMEOUT_MS }, (response) => {
			response.resume();
			response.on('end', () => done(response.statusCode ?? 0));
			response.on('error', () => done(0));
		});
		const total = setTimeout(() => {
			request.destroy();
			done(0);
		}, TOTAL_TIMEOUT_MS);
		request.on('timeout', () => request.destroy());
		request.on('error', () => done(0));
		request.end(body);
	});
}
