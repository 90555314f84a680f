// Every EspoCRM request of the triggers, in one place: the action node's transport is being replaced by
// a per-execution client, and porting the triggers to it must stay a change of this file only.
import type { IBinaryData, IDataObject, IHookFunctions, IPollFunctions, IWebhookFunctions } from 'n8n-workflow';

import { apiPath, EspoClient } from '../EspoCrmAttachment/client';
import type { AttachmentRecord } from '../EspoCrmAttachment/client/attachments';
import { asNodeError, espoFailureOf, type EspoFailure } from '../EspoCrmAttachment/client/errors';
import type { FieldDefs } from '../EspoCrmAttachment/client/metadata';

export type TriggerContext = IHookFunctions | IPollFunctions | IWebhookFunctions;

export type { AttachmentRecord, EspoFailure, FieldDefs };

export { espoFailureOf };

/** One EspoCRM client per hook, poll or delivery (one login for a password credential, given back at the end). */
const clients = new WeakMap<object, EspoClient>();

function clientOf(ctx: TriggerContext): EspoClient {
	const client = clients.get(ctx);
	if (!client) throw new Error('The trigger talks to EspoCRM only inside withEspo()');
	return client;
}

/** Runs one trigger entry point (webhook method, poll, delivery) with its EspoCRM client, closed afterwards. */
export async function withEspo<T>(ctx: TriggerContext, work: () => Promise<T>): Promise<T> {
	const client = new EspoClient(ctx, { concurrency: 4 });
	clients.set(ctx, client);
	try {
		return await work();
	} finally {
		clients.delete(ctx);
		await client.close();
	}
}

/** A webhook as `GET Webhook/{id}` shows it to its API user (observed §10.06; `secretKey` included). */
export interface EspoWebhook extends IDataObject {
	id: string;
	event: string;
	url: string;
	isActive: boolean;
	secretKey: string;
}

export interface RecordList {
	total: number;
	list: IDataObject[];
}

/** `POST Webhook {event, url}` → 201 with `secretKey` (observed §10.03). */
export async function createWebhook(ctx: TriggerContext, event: string, url: string): Promise<EspoWebhook> {
	return await clientOf(ctx).request<EspoWebhook>({ method: 'POST', path: apiPath('Webhook'), body: { event, url } });
}

/** `DELETE Webhook/{id}`; false when EspoCRM no longer has it (404: deleted by hand, or after a 410). */
export async function deleteWebhook(ctx: TriggerContext, id: string): Promise<boolean> {
	try {
		await clientOf(ctx).request({ method: 'DELETE', path: apiPath('Webhook', id) });
		return true;
	} catch (error) {
		if (espoFailureOf(error)?.status === 404) return false;
		throw asNodeError(ctx.getNode(), error);
	}
}

/** The API user's own webhooks (an API user sees only those; an admin sees all), every page. */
export async function listWebhooks(ctx: TriggerContext): Promise<EspoWebhook[]> {
	const all: EspoWebhook[] = [];
	for (let offset = 0; ; offset += 200) {
		const page = await clientOf(ctx).request<{ total: number; list: EspoWebhook[] }>({
			method: 'GET',
			path: apiPath('Webhook'),
			qs: { maxSize: 200, offset },
		});
		all.push(...(page?.list ?? []));
		if (!page || page.list.length < 200 || all.length >= page.total) return all;
	}
}

/** `GET {Entity}/{id}`; undefined when the record is gone or no longer readable. */
export async function readRecord(ctx: TriggerContext, entityType: string, id: string): Promise<IDataObject | undefined> {
	try {
		return await clientOf(ctx).request<IDataObject>({ method: 'GET', path: apiPath(entityType, id) });
	} catch (error) {
		const status = espoFailureOf(error)?.status;
		if (status === 404 || status === 403) return undefined;
		throw asNodeError(ctx.getNode(), error);
	}
}

/**
 * One page of `GET {Entity}?select=…` ordered by `createdAt` ascending. With `select`, the list answers
 * `<f>Ids` of Attachment-Multiple fields (observed §6.20) and `<f>Id`/`<f>Name` of File fields.
 */
export async function listRecordsPage(
	ctx: TriggerContext,
	entityType: string,
	select: string[],
	offset: number,
	maxSize: number,
): Promise<RecordList> {
	const answer = await clientOf(ctx).request<RecordList>({
		method: 'GET',
		path: apiPath(entityType),
		qs: { select: select.join(','), orderBy: 'createdAt', order: 'asc', offset, maxSize },
	});
	return { total: answer?.total ?? 0, list: answer?.list ?? [] };
}

/** `GET Attachment/{id}`; undefined when it is gone (a replaced file is deleted, observed §5.07). */
export async function getAttachment(ctx: TriggerContext, id: string): Promise<AttachmentRecord | undefined> {
	return await clientOf(ctx).attachments.find(id);
}

/** The file as n8n binary, streamed and checked against the recorded size as the action node does. */
export async function downloadFile(ctx: IPollFunctions | IWebhookFunctions, attachment: AttachmentRecord): Promise<IBinaryData> {
	return await clientOf(ctx).attachments.download(attachment, 0, ctx.helpers);
}

/** `entityDefs.<E>.fields`; undefined when EspoCRM does not know the entity type or hides it. */
export async function fieldsOf(ctx: TriggerContext, entityType: string): Promise<FieldDefs | undefined> {
	return await clientOf(ctx).fieldsOf(entityType);
}
