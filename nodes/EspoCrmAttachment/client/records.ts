import type { IDataObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError, sleep } from 'n8n-workflow';

import { linkedRecordOf } from './attachments';
import { asNodeError, errorForItem, espoFailureOf, markUnsettled, outcomeUnknown } from './errors';
import { apiPath } from './http';
import type { EspoClient } from './index';
import type { AttachmentField } from './metadata';
import { lookUntilSettled } from './settle';
import type { QueuedWrite, RecordField, WriteOutcome } from './writeQueue';

export type { RecordField, WriteOutcome };

// With n writers racing for one record each round has one winner, so a writer may lose n-1 times:
// enough attempts for a busy record, with a growing, jittered pause between them.
const WRITE_ATTEMPTS = 30;

/**
 * How long after a read-change-write the list is read again to verify it. It must outlast the time a
 * concurrent write takes from its version check to its save (milliseconds on an idle server), so an
 * overwrite based on an older read is seen and undone.
 */
const SETTLE_MS = 250;

function backoffMs(attempt: number): number {
	return Math.min(250, 20 * 2 ** Math.min(attempt, 4)) * (0.5 + Math.random());
}

function idsOf(record: IDataObject | undefined, field: string): string[] {
	const ids = record?.[`${field}Ids`];
	return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}

/** The error with `note` added to its description. */
function withNote<E extends NodeApiError | NodeOperationError>(error: E, note: string): E {
	error.description = `${error.description ?? ''} ${note}`.trim();
	return error;
}

/** The relationship endpoint does not exist for this entity type (Note: 404 "Action POST 'createLink' does not exist…", observed §5.28). */
function relationshipUnsupported(error: unknown): boolean {
	const failure = espoFailureOf(error);
	return failure?.status === 404 && /createLink|removeLink|does not exist in controller/i.test(failure.reason);
}

/**
 * Whether to fall back to read-change-write. Besides a missing endpoint, any other refusal of the
 * link call (400/403/404) is retried the documented way: custom fields may have no link of that
 * name, and where the refusal is real (no access, record gone), the update answers with the
 * authoritative error for the user.
 */
function tryTheUpdateInstead(error: unknown): boolean {
	const status = espoFailureOf(error)?.status;
	return status === 400 || status === 403 || status === 404;
}

/** Records: read, create (settled when the answer is lost), and the queued writes to one record's field. */
export class Records {
	constructor(private readonly client: EspoClient) {}

	async read(entityType: string, id: string, itemIndex?: number): Promise<IDataObject> {
		return await this.client.request<IDataObject>({ method: 'GET', path: apiPath(entityType, id), itemIndex });
	}

	async update(
		entityType: string,
		id: string,
		data: IDataObject,
		options: { versionNumber?: number; itemIndex?: number } = {},
	): Promise<IDataObject> {
		return await this.client.request<IDataObject>({
			method: 'PUT',
			path: apiPath(entityType, id),
			body: data,
			headers:
				options.versionNumber !== undefined ? { 'X-Version-Number': String(options.versionNumber) } : undefined,
			itemIndex: options.itemIndex,
		});
	}

	/**
	 * Creates a record that holds `attachmentId` in `field`. When the answer is lost (timeout, reset,
	 * 5xx) the record may exist: the attachment tells (`relatedId` for a File field, `parentId` for
	 * an Attachment-Multiple field, observed §5.05, §5.18), so the record is found, never created twice.
	 */
	async create(
		entityType: string,
		data: IDataObject,
		holds: { field: AttachmentField; attachmentId: string },
		options: { skipDuplicateCheck?: boolean; itemIndex: number },
	): Promise<IDataObject & { confirmedAfterLostAnswer?: boolean }> {
		const { itemIndex } = options;
		try {
			return await this.client.request<IDataObject>({
				method: 'POST',
				path: apiPath(entityType),
				body: data,
				headers: options.skipDuplicateCheck ? { 'X-Skip-Duplicate-Check': 'true' } : undefined,
				itemIndex,
			});
		} catch (error) {
			if (!outcomeUnknown(error)) throw asNodeError(this.client.node, error);
			let linked: { entityType: string; id: string } | undefined;
			try {
				const linkedNow = async () => {
					const attachment = await this.client.attachments.find(holds.attachmentId, itemIndex);
					return attachment ? linkedRecordOf(attachment) : undefined;
				};
				linked = await lookUntilSettled(error, linkedNow, (seen) => seen !== undefined);
			} catch (lookup) {
				throw markUnsettled(
					withNote(
						error as NodeApiError,
						`The ${entityType} may have been created anyway, and EspoCRM could not be asked (${(lookup as Error).message}). The attachment ${holds.attachmentId} was kept: look for a ${entityType} whose '${holds.field.name}' holds it before running the item again.`,
					),
				);
			}
			// Not created: the caller cleans up.
			if (!linked || linked.entityType !== entityType) throw asNodeError(this.client.node, error);
			try {
				return { ...(await this.read(entityType, linked.id, itemIndex)), confirmedAfterLostAnswer: true };
			} catch {
				return { id: linked.id, confirmedAfterLostAnswer: true };
			}
		}
	}

	/** Puts the attachment into a File/Image field of an existing record (queued: item order, last item wins). */
	async setFile(target: RecordField, attachmentId: string, fields: IDataObject, itemIndex: number): Promise<WriteOutcome> {
		return await this.client.writes.enqueue(target, { kind: 'set', attachmentId, fields }, itemIndex);
	}

	/** Empties a File/Image field that holds `attachmentId` (EspoCRM then deletes the attachment, observed §5.11e). */
	async clearFile(target: RecordField, attachmentId: string, itemIndex: number): Promise<WriteOutcome> {
		return await this.client.writes.enqueue(target, { kind: 'clear', attachmentId }, itemIndex);
	}

	/** Adds attachments to an Attachment-Multiple field, keeping the ones it has (queued, coalesced). */
	async append(target: RecordField, attachmentIds: string[], itemIndex: number): Promise<WriteOutcome> {
		return await this.client.writes.enqueue(target, { kind: 'add', ids: attachmentIds }, itemIndex);
	}

	/** Takes one attachment off an Attachment-Multiple field, keeping the others (unlinked, not deleted). */
	async remove(target: RecordField, attachmentId: string, itemIndex: number): Promise<WriteOutcome> {
		return await this.client.writes.enqueue(target, { kind: 'remove', id: attachmentId }, itemIndex);
	}

	// --- applying the queued writes of one record field, in item order ---------------------------

	/**
	 * File/Image field: the items' changes are applied in item order to one value, written with one
	 * `PUT` (the last item's file wins; the earlier uploads are reported as replaced). A lost answer
	 * is settled by reading the record back.
	 */
	async applyFileWrites(target: RecordField, writes: QueuedWrite[]): Promise<void> {
		const key = `${target.field}Id`;
		const first = writes[0].itemIndex;
		let current: string | null | undefined;
		if (writes.some((write) => write.op.kind === 'clear')) {
			try {
				const record = await this.read(target.entityType, target.recordId, first);
				current = typeof record[key] === 'string' ? (record[key] as string) : null;
			} catch (error) {
				writes.forEach((write) => write.reject(errorForItem(this.client.node, error, write.itemIndex)));
				return;
			}
		}
		let value = current;
		const fields: IDataObject = {};
		const applied: QueuedWrite[] = [];
		for (const write of writes) {
			const { op } = write;
			if (op.kind === 'set') {
				value = op.attachmentId;
				Object.assign(fields, op.fields);
				applied.push(write);
			} else if (op.kind === 'clear') {
				if (value !== op.attachmentId) {
					write.reject(
						new NodeOperationError(
							this.client.node,
							`${target.entityType} ${target.recordId} does not hold attachment ${op.attachmentId} in '${target.field}' (it holds ${value ?? 'no file'})`,
							{ itemIndex: write.itemIndex, description: 'Nothing was changed for this item. Check the attachment ID.' },
						),
					);
					continue;
				}
				value = null;
				applied.push(write);
			}
		}
		if (applied.length === 0) return;
		let record: IDataObject;
		let confirmedAfterLostAnswer = false;
		try {
			record = await this.update(target.entityType, target.recordId, { ...fields, [key]: value ?? null }, { itemIndex: first });
		} catch (error) {
			const settled = outcomeUnknown(error)
				? await lookUntilSettled(error, () => this.readBack(target, first), (seen) => seen === 'unreachable' || seen[key] === (value ?? null))
				: undefined;
			if (settled === 'unreachable') {
				const ids = applied.flatMap((write) => (write.op.kind === 'set' ? [write.op.attachmentId] : []));
				const note = `Whether EspoCRM made the change is unknown (no answer, or a 5xx), and EspoCRM could not be asked whether ${target.entityType} ${target.recordId} holds the new file. The uploaded attachment(s) ${ids.join(', ')} were kept: check the record's '${target.field}'.`;
				applied.forEach((write) => write.reject(markUnsettled(errorForItem(this.client.node, error, write.itemIndex, note))));
				return;
			}
			if (!settled || settled[key] !== (value ?? null)) {
				applied.forEach((write) => write.reject(errorForItem(this.client.node, error, write.itemIndex)));
				return;
			}
			record = settled;
			confirmedAfterLostAnswer = true;
		}
		const setIds = applied.flatMap((write) => (write.op.kind === 'set' ? [write.op.attachmentId] : []));
		for (const write of applied) {
			if (write.op.kind !== 'set') {
				write.resolve({ removed: true, confirmedAfterLostAnswer });
			} else if (write.op.attachmentId === value) {
				write.resolve({
					record,
					confirmedAfterLostAnswer,
					replaced: setIds.filter((id) => id !== value),
				});
			} else {
				write.resolve({ record, replacedBy: value ?? null, confirmedAfterLostAnswer });
			}
		}
	}

	/** The record as EspoCRM holds it now, `'unreachable'` when it cannot be asked. */
	private async readBack(target: RecordField, itemIndex: number): Promise<IDataObject | 'unreachable'> {
		try {
			return await this.read(target.entityType, target.recordId, itemIndex);
		} catch {
			return 'unreachable';
		}
	}

	/**
	 * Attachment-Multiple field: appends and removes in item order. Where EspoCRM has the
	 * relationship endpoint (Case, Task…), consecutive appends go in one atomic `POST {ids}` and
	 * each remove is an atomic `DELETE {Entity}/{id}/{field}` with `{"id"}` (observed §5.24, §5.31);
	 * elsewhere (Note, observed §5.28) one read-change-write applies them all.
	 */
	async applyListWrites(target: RecordField, writes: QueuedWrite[]): Promise<void> {
		const key = `${target.entityType}.${target.field}`;
		let at = 0;
		while (at < writes.length && !this.client.withoutRelationshipEndpoint.has(key)) {
			const kind = writes[at].op.kind;
			let end = at + 1;
			while (end < writes.length && kind === 'add' && writes[end].op.kind === 'add') end++;
			const run = writes.slice(at, end);
			const handled = kind === 'add' ? await this.linkRun(target, run) : await this.unlinkOne(target, run[0]);
			if (!handled) break; // no relationship endpoint here: the rest by read-change-write
			at = end;
		}
		if (at < writes.length) await this.rewriteIds(target, writes.slice(at));
	}

	/**
	 * Whether a refused relationship call should be done by read-change-write instead; a missing
	 * endpoint is remembered for this execution, so it is not asked again.
	 */
	private fallBackToRewrite(target: RecordField, error: unknown): boolean {
		if (!tryTheUpdateInstead(error)) return false;
		if (relationshipUnsupported(error)) this.client.withoutRelationshipEndpoint.add(`${target.entityType}.${target.field}`);
		return true;
	}

	/** One `POST {Entity}/{id}/{field}` with the ids of consecutive appends. False: use read-change-write instead. */
	private async linkRun(target: RecordField, run: QueuedWrite[]): Promise<boolean> {
		const ids = run.flatMap((write) => (write.op.kind === 'add' ? write.op.ids : []));
		const first = run[0].itemIndex;
		try {
			await this.client.request({
				method: 'POST',
				path: apiPath(target.entityType, target.recordId, target.field),
				body: { ids },
				itemIndex: first,
			});
			run.forEach((write) => write.resolve({}));
			return true;
		} catch (error) {
			if (this.fallBackToRewrite(target, error)) return false;
			if (!outcomeUnknown(error)) {
				run.forEach((write) => write.reject(errorForItem(this.client.node, error, write.itemIndex)));
				return true;
			}
			const settled = await lookUntilSettled(
				error,
				() => this.readBack(target, first),
				(seen) => seen === 'unreachable' || ids.every((id) => idsOf(seen, target.field).includes(id)),
			);
			for (const write of run) {
				const mine = write.op.kind === 'add' ? write.op.ids : [];
				if (settled === 'unreachable') {
					write.reject(
						markUnsettled(
							errorForItem(
								this.client.node,
								error,
								write.itemIndex,
								`Whether EspoCRM made the change is unknown (no answer, or a 5xx), and EspoCRM could not be asked whether ${target.entityType} ${target.recordId} lists ${mine.join(', ')} in '${target.field}'. The attachment was kept: check the record.`,
							),
						),
					);
				} else if (mine.every((id) => idsOf(settled, target.field).includes(id))) {
					write.resolve({ confirmedAfterLostAnswer: true });
				} else {
					write.reject(errorForItem(this.client.node, error, write.itemIndex));
				}
			}
			return true;
		}
	}

	/**
	 * One atomic `DELETE {Entity}/{id}/{field}` with `{"id"}` (observed §5.31). EspoCRM answers `true`
	 * whether or not the record held it, so the attachment is asked first: one the record does not
	 * hold is reported `removed: false` and nothing is sent. False: use read-change-write instead.
	 */
	private async unlinkOne(target: RecordField, write: QueuedWrite): Promise<boolean> {
		if (write.op.kind !== 'remove') return false;
		const id = write.op.id;
		try {
			const attachment = await this.client.attachments.find(id, write.itemIndex);
			if (attachment?.parentType !== target.entityType || attachment.parentId !== target.recordId) {
				write.resolve({ removed: false });
				return true;
			}
		} catch (error) {
			write.reject(errorForItem(this.client.node, error, write.itemIndex));
			return true;
		}
		try {
			await this.client.request({
				method: 'DELETE',
				path: apiPath(target.entityType, target.recordId, target.field),
				body: { id },
				itemIndex: write.itemIndex,
			});
			write.resolve({ removed: true });
			return true;
		} catch (error) {
			if (this.fallBackToRewrite(target, error)) return false;
			if (!outcomeUnknown(error)) {
				write.reject(errorForItem(this.client.node, error, write.itemIndex));
				return true;
			}
			const settled = await lookUntilSettled(
				error,
				() => this.readBack(target, write.itemIndex),
				(seen) => seen === 'unreachable' || !idsOf(seen, target.field).includes(id),
			);
			if (settled === 'unreachable') {
				write.reject(
					markUnsettled(
						errorForItem(
							this.client.node,
							error,
							write.itemIndex,
							`Whether EspoCRM made the change is unknown (no answer, or a 5xx), and EspoCRM could not be asked whether ${id} is still on ${target.entityType} ${target.recordId}: check the record.`,
						),
					),
				);
			} else if (!idsOf(settled, target.field).includes(id)) {
				write.resolve({ removed: true, confirmedAfterLostAnswer: true });
			} else {
				write.reject(errorForItem(this.client.node, error, write.itemIndex, `${id} is still on ${target.entityType} ${target.recordId}.`));
			}
			return true;
		}
	}

	/**
	 * Read, change, write `<field>Ids` for all queued items at once (a PUT replaces the whole list,
	 * so the current ids are always read first), then read again to verify, also where the entity
	 * has optimistic concurrency (`X-Version-Number`): on 9.1/9.3 two writes with the same version
	 * can both succeed (observed §9). A change that is gone is written again, a bounded number of
	 * times; items whose change never stuck fail and say what is missing where.
	 */
	private async rewriteIds(target: RecordField, writes: QueuedWrite[]): Promise<void> {
		const first = writes[0].itemIndex;
		const node = this.client.node;
		// What each item wants to hold after the whole group: its id present (append) or absent (remove),
		// unless a later item of the group changes the same id again.
		const wanted = new Map<string, boolean>();
		for (const write of writes) {
			if (write.op.kind === 'add') write.op.ids.forEach((id) => wanted.set(id, true));
			if (write.op.kind === 'remove') wanted.set(write.op.id, false);
		}
		const holds = (list: string[], write: QueuedWrite): boolean => {
			const ids = write.op.kind === 'add' ? write.op.ids : write.op.kind === 'remove' ? [write.op.id] : [];
			return ids.every((id) => list.includes(id) === wanted.get(id));
		};
		const wasThere = new Map<QueuedWrite, boolean>();
		let lostAnswer = false;
		let list: string[] = [];
		for (let attempt = 1; ; attempt++) {
			let record: IDataObject;
			try {
				record = await this.read(target.entityType, target.recordId, first);
			} catch (error) {
				const note = lostAnswer
					? `Whether EspoCRM made a write is unknown (no answer, or a 5xx), and EspoCRM could not be asked whether ${target.entityType} ${target.recordId} holds the change: check its '${target.field}'.`
					: undefined;
				writes.forEach((write) => {
					const itemError = errorForItem(node, error, write.itemIndex, note);
					write.reject(lostAnswer ? markUnsettled(itemError) : itemError);
				});
				return;
			}
			list = idsOf(record, target.field);
			if (writes.every((write) => holds(list, write)) || attempt > WRITE_ATTEMPTS) break;
			let next = [...list];
			for (const write of writes) {
				if (write.op.kind === 'add') {
					next = [...next, ...write.op.ids.filter((id) => !next.includes(id))];
				} else if (write.op.kind === 'remove') {
					const removeId = write.op.id;
					if (!wasThere.has(write)) wasThere.set(write, next.includes(removeId));
					next = next.filter((id) => id !== removeId);
				}
			}
			const versionNumber = typeof record.versionNumber === 'number' ? record.versionNumber : undefined;
			try {
				await this.update(target.entityType, target.recordId, { [`${target.field}Ids`]: next }, { versionNumber, itemIndex: first });
			} catch (error) {
				const failure = espoFailureOf(error);
				if (failure?.status === 409 && failure.reason === 'modified') {
					await sleep(backoffMs(attempt));
					continue;
				}
				if (!outcomeUnknown(error)) {
					writes.forEach((write) => write.reject(errorForItem(node, error, write.itemIndex)));
					return;
				}
				lostAnswer = true; // the next read tells whether it happened
				continue;
			}
			// A writer that read before us can still overwrite our list: without optimistic concurrency
			// any time, with it too on 9.1+ (the version check is not atomic: a write whose check passed
			// before ours lands after it, observed §9). Let such writes land, then read again.
			await sleep(SETTLE_MS * (1 + Math.random() / 2));
		}
		for (const write of writes) {
			if (holds(list, write)) {
				write.resolve({
					removed: write.op.kind === 'remove' ? (wasThere.get(write) ?? false) : undefined,
					confirmedAfterLostAnswer: lostAnswer || undefined,
				});
				continue;
			}
			const ids = write.op.kind === 'add' ? write.op.ids.filter((id) => !list.includes(id)) : write.op.kind === 'remove' ? [write.op.id] : [];
			write.reject(
				new NodeApiError(
					node,
					{ status: 409, reason: 'modified' },
					{
						message:
							write.op.kind === 'add'
								? `${ids.join(', ')} is missing on ${target.entityType} ${target.recordId} ('${target.field}'): the list kept changing while the node wrote to it (${WRITE_ATTEMPTS} attempts)`
								: `${ids.join(', ')} is still on ${target.entityType} ${target.recordId} ('${target.field}'): the list kept changing while the node wrote to it (${WRITE_ATTEMPTS} attempts)`,
						description: 'Another user or workflow is editing this record continuously. Run the node again later.',
						httpCode: '409',
						itemIndex: write.itemIndex,
					},
				),
			);
		}
	}
}
