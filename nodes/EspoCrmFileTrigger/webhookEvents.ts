// Webhook mode: which EspoCRM webhooks the trigger needs, what the activation errors tell the admin, and
// which files of a delivery are new (observed §10.2 for every payload shape).
import type { IDataObject, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { espoFailureOf, readRecord, type TriggerContext } from './espo';
import { changeEvent, idsIn, type KnownFiles, type NewFile, type TriggerSettings } from './shared';

export interface StoredWebhook {
	id: string;
	event: string;
	secretKey: string;
	url: string;
}

/**
 * `{E}.create` for records created with files; `{E}.fieldUpdate.{f}` per watched field (payload: all of
 * the field's attributes); `{E}.update` when Attachment-Multiple fields are watched and links made
 * without an event should be looked for: any later save of the record then makes the trigger re-read it.
 */
export function neededEvents(settings: TriggerSettings, lookForUnannounced: boolean): string[] {
	const { entityType, fields, events } = settings;
	const needed: string[] = [];
	if (events.includes('created')) needed.push(`${entityType}.create`);
	for (const field of fields) {
		if (events.includes(changeEvent(field))) needed.push(`${entityType}.fieldUpdate.${field.name}`);
	}
	if (lookForUnannounced && events.includes('added') && fields.some((f) => f.type === 'attachmentMultiple')) {
		needed.push(`${entityType}.update`);
	}
	return needed;
}

/** host:port as `webhookAllowedAddressList` wants it (default port by scheme, observed §10.1). */
export function hostPortOf(url: string): string {
	try {
		const parsed = new URL(url);
		return `${parsed.hostname.replace(/^\[|\]$/g, '')}:${parsed.port || (parsed.protocol === 'https:' ? '443' : '80')}`;
	} catch {
		return url;
	}
}

const POLLING_HINT = 'Or use the EspoCRM File Polling Trigger node, which needs no webhooks.';

/** An activation error that says what the EspoCRM admin must do. */
export function activationError(node: INode, error: unknown, context: { url: string; event?: string; authMethod?: string }): Error {
	const failure = espoFailureOf(error);
	if (!failure) return error as Error;
	const reason = failure.reason;
	if (failure.status === 403 && (reason === 'No create access.' || reason === '' || reason === 'No access.')) {
		const who =
			context.authMethod === 'password'
				? 'EspoCRM lets only API users and admins use webhooks; this credential logs in as a regular user. Use an API user (API Key or HMAC) whose role allows webhooks.'
				: "An EspoCRM admin must open Administration → Roles → the API user's role and set 'Webhooks' to enabled (the role's Webhook scope), then activate the workflow again.";
		return new NodeOperationError(node, 'EspoCRM does not let this user create webhooks (403)', {
			description: `${who} ${POLLING_HINT}`,
		});
	}
	if (failure.status === 400 && failure.labelData?.field === 'url' && failure.labelData?.type === 'notInternal') {
		const hostPort = hostPortOf(context.url);
		return new NodeOperationError(node, `EspoCRM refuses to send webhooks to ${hostPort}: it is an internal address`, {
			description: `EspoCRM 9.3.2 and later send webhooks only to public addresses. An EspoCRM admin must add '${hostPort}' to 'webhookAllowedAddressList' in data/config.php (e.g. 'webhookAllowedAddressList' => ['${hostPort}']), or set n8n's WEBHOOK_URL to an address EspoCRM may reach. ${POLLING_HINT}`,
		});
	}
	if (failure.status === 403 && reason === 'Entity type is not available for Webhooks.') {
		return new NodeOperationError(node, `EspoCRM has no webhook events for ${context.event?.split('.')[0] ?? 'this entity type'}`, {
			description: `EspoCRM raises no webhook events for Note and Attachment, nor for entity types the API user cannot read. ${POLLING_HINT}`,
		});
	}
	return error as Error;
}

/** One element of a delivery, with the event of the webhook that sent it. */
export interface DeliveredEvent {
	event: string;
	data: IDataObject;
}

/**
 * The files of a delivery that are new, in order, each once. Works on `known` (a copy the caller
 * commits after the items were built):
 * - create: every file of the payload (only the attributes set while creating, observed §10.2 W1/W11);
 * - fieldUpdate: the payload lists ALL current ids; new = those not known and not in `<f>Types`, which
 *   holds the links as they were before the save (observed §10.6 #9), so 3 known + 1 new is 1 file;
 * - update: payloads do not mention relationship-endpoint links (W6, W9), so a known record is re-read
 *   and ids not seen before are new.
 * A redelivered or stale (out of order, 10.24/10.25) payload finds its ids known: nothing twice.
 */
export async function newFilesOf(
	ctx: TriggerContext,
	settings: TriggerSettings,
	known: KnownFiles,
	delivered: DeliveredEvent[],
): Promise<NewFile[]> {
	const found: NewFile[] = [];
	const names = new Map<string, string | null>();
	const { entityType } = settings;
	const add = (event: NewFile['event'], recordId: string, field: NewFile['field'], ids: string[]) => {
		if (!settings.events.includes(event)) return;
		for (const attachmentId of ids) found.push({ event, recordId, recordName: null, field, attachmentId });
	};
	for (const { event, data } of delivered) {
		const recordId = typeof data.id === 'string' ? data.id : undefined;
		if (!recordId) continue;
		if (typeof data.name === 'string') names.set(recordId, data.name);
		if (event === `${entityType}.create`) {
			const isNew = !known.has(recordId);
			for (const field of settings.fields) {
				const ids = idsIn(data, field) ?? [];
				const fresh = ids.filter((id) => !known.ids(recordId, field.name).includes(id));
				add(isNew ? 'created' : changeEvent(field), recordId, field, fresh);
				known.remember(recordId, field.name, ids);
			}
			known.touch(recordId);
		} else if (event.startsWith(`${entityType}.fieldUpdate.`)) {
			const field = settings.fields.find((f) => event === `${entityType}.fieldUpdate.${f.name}`);
			const ids = field && idsIn(data, field);
			if (!field || !ids) continue;
			const before = field.type === 'attachmentMultiple' ? Object.keys((data[`${field.name}Types`] as IDataObject) ?? {}) : [];
			const fresh = ids.filter((id) => !known.ids(recordId, field.name).includes(id) && !before.includes(id));
			add(changeEvent(field), recordId, field, fresh);
			known.remember(recordId, field.name, [...before, ...ids]);
		} else if (event === `${entityType}.update`) {
			if (!known.has(recordId)) continue;
			const multiple = settings.fields.filter((f) => f.type === 'attachmentMultiple');
			if (multiple.length === 0) continue;
			const record = await readRecord(ctx, entityType, recordId);
			if (!record) continue;
			if (typeof record.name === 'string') names.set(recordId, record.name);
			for (const field of multiple) {
				const ids = idsIn(record, field) ?? [];
				add('added', recordId, field, ids.filter((id) => !known.ids(recordId, field.name).includes(id)));
				known.remember(recordId, field.name, ids);
			}
		} else if (event === `${entityType}.delete`) {
			known.forget(recordId);
		}
	}
	// Each file once, even when two events of the batch carry it.
	const seen = new Set<string>();
	const unique = found.filter((file) => {
		const key = `${file.recordId}:${file.field.name}:${file.attachmentId}`;
		if (seen.has(key)) return false;
		seen.add(key);
		return true;
	});
	// fieldUpdate payloads carry no name: read the record once (also proves it still exists).
	for (const recordId of new Set(unique.map((f) => f.recordId))) {
		if (names.has(recordId)) continue;
		const record = await readRecord(ctx, entityType, recordId);
		names.set(recordId, record && typeof record.name === 'string' ? record.name : null);
	}
	return unique.map((file) => ({ ...file, recordName: names.get(file.recordId) ?? null }));
}
