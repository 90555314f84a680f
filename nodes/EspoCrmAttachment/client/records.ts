import type { IDataObject } from 'n8n-workflow';
import { NodeApiError, sleep } from 'n8n-workflow';

import { apiPath, asNodeError, espoFailureOf, espoRequest, type EspoContext } from '../transport';
import type { AppendTarget } from './appendQueue';

// With n writers racing for one record each round has one winner, so a writer may lose n-1 times:
// enough attempts for a busy record, with a growing, jittered pause between them.
const OCC_ATTEMPTS = 30;

function backoffMs(attempt: number): number {
	return Math.min(250, 20 * 2 ** Math.min(attempt, 4)) * (0.5 + Math.random());
}

export async function readRecord(
	ctx: EspoContext,
	entityType: string,
	id: string,
	itemIndex?: number,
): Promise<IDataObject> {
	return await espoRequest<IDataObject>(ctx, { method: 'GET', path: apiPath(entityType, id), itemIndex });
}

export async function createRecord(
	ctx: EspoContext,
	entityType: string,
	data: IDataObject,
	options: { skipDuplicateCheck?: boolean; itemIndex?: number } = {},
): Promise<IDataObject> {
	return await espoRequest<IDataObject>(ctx, {
		method: 'POST',
		path: apiPath(entityType),
		body: data,
		headers: options.skipDuplicateCheck ? { 'X-Skip-Duplicate-Check': 'true' } : undefined,
		itemIndex: options.itemIndex,
	});
}

export async function updateRecord(
	ctx: EspoContext,
	entityType: string,
	id: string,
	data: IDataObject,
	options: { versionNumber?: number; itemIndex?: number } = {},
): Promise<IDataObject> {
	return await espoRequest<IDataObject>(ctx, {
		method: 'PUT',
		path: apiPath(entityType, id),
		body: data,
		headers:
			options.versionNumber !== undefined ? { 'X-Version-Number': String(options.versionNumber) } : undefined,
		itemIndex: options.itemIndex,
	});
}

function idsOf(record: IDataObject, field: string): string[] {
	const ids = record[`${field}Ids`];
	return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}

/**
 * Read, change, write `<field>Ids`; true when something was written (false: nothing to change).
 * A PUT replaces the whole list (ids left out are unlinked), so the current ids are always read first. Where the entity has optimistic concurrency
 * (`versionNumber`: KnowledgeBaseArticle…; Account, Case, Opportunity, Task since 9.1) the write
 * carries `X-Version-Number` and a 409 `modified` re-reads and tries again, a bounded number of times.
 * Without it, a writer that read the list before us can still overwrite our change: the list is read
 * again after a short pause and written again if our change is gone. That narrows the window for a
 * lost update between executions running at the same moment; it cannot close it.
 */
async function rewriteIds(
	ctx: EspoContext,
	target: AppendTarget,
	change: (current: string[]) => string[] | undefined,
	itemIndex?: number,
): Promise<boolean> {
	let wrote = false;
	for (let attempt = 1; ; attempt++) {
		const record = await readRecord(ctx, target.entityType, target.recordId, itemIndex);
		const next = change(idsOf(record, target.field));
		if (!next) return wrote;
		const versionNumber = typeof record.versionNumber === 'number' ? record.versionNumber : undefined;
		try {
			await updateRecord(ctx, target.entityType, target.recordId, { [`${target.field}Ids`]: next }, {
				versionNumber,
				itemIndex,
			});
			wrote = true;
			if (versionNumber !== undefined || attempt >= OCC_ATTEMPTS) return wrote;
			await sleep(backoffMs(1));
			continue; // re-read: done when the change is there
		} catch (error) {
			const failure = espoFailureOf(error);
			if (failure?.status !== 409 || failure.reason !== 'modified') throw asNodeError(ctx.getNode(), error);
			if (attempt >= OCC_ATTEMPTS) {
				throw new NodeApiError(
					ctx.getNode(),
					{ status: 409, reason: 'modified' },
					{
						message: `${target.entityType} ${target.recordId} kept changing while the node wrote to it (409 modified, ${attempt} attempts)`,
						description:
							'Another user or workflow is editing this record continuously. Run the node again later.',
						httpCode: '409',
						itemIndex,
					},
				);
			}
			await sleep(backoffMs(attempt));
		}
	}
}

/** Relationship endpoints are missing on some entity types (Note: 404 "Action POST 'createLink' does not exist…"). */
const noRelationshipEndpoint = new WeakMap<object, Set<string>>();

/** The entity type has no relationship endpoint for this field (then don't ask again this execution). */
function relationshipUnsupported(error: unknown): boolean {
	const failure = espoFailureOf(error);
	return failure?.status === 404 && /createLink|removeLink|does not exist in controller/i.test(failure.reason);
}

/**
 * Whether to fall back to read-change-write. Besides a missing endpoint, any other refusal of the
 * link call (400/403/404) is retried the documented way: custom fields may have no link of that name,
 * and where the refusal is real (no access, record gone), the update answers with the authoritative
 * error for the user.
 */
function tryTheUpdateInstead(error: unknown): boolean {
	const status = espoFailureOf(error)?.status;
	return status === 400 || status === 403 || status === 404;
}

/**
 * Adds attachments to a record's Attachment-Multiple field, keeping the ones it has.
 * `POST {Entity}/{id}/{field}` with `{ids}` links them in one atomic call where EspoCRM has the
 * relationship endpoint (Case, Task, …); elsewhere (Note) the ids are merged by read-change-write.
 */
export async function appendToAttachmentMultiple(
	ctx: EspoContext,
	target: AppendTarget,
	attachmentIds: string[],
	itemIndex?: number,
): Promise<void> {
	const key = `${target.entityType}.${target.field}`;
	const unsupported = noRelationshipEndpoint.get(ctx) ?? new Set<string>();
	noRelationshipEndpoint.set(ctx, unsupported);
	if (!unsupported.has(key)) {
		try {
			await espoRequest(ctx, {
				method: 'POST',
				path: apiPath(target.entityType, target.recordId, target.field),
				body: { ids: attachmentIds },
				itemIndex,
			});
			return;
		} catch (error) {
			if (!tryTheUpdateInstead(error)) throw asNodeError(ctx.getNode(), error);
			if (relationshipUnsupported(error)) unsupported.add(key);
		}
	}
	await rewriteIds(
		ctx,
		target,
		(current) => {
			const missing = attachmentIds.filter((id) => !current.includes(id));
			return missing.length ? [...current, ...missing] : undefined;
		},
		itemIndex,
	);
}

/** Takes one attachment off a record's Attachment-Multiple field, keeping the others (it is unlinked, not deleted). */
export async function removeFromAttachmentMultiple(
	ctx: EspoContext,
	target: AppendTarget,
	attachmentId: string,
	itemIndex?: number,
): Promise<boolean> {
	return await rewriteIds(
		ctx,
		target,
		(current) => (current.includes(attachmentId) ? current.filter((id) => id !== attachmentId) : undefined),
		itemIndex,
	);
}
