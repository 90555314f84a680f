import type { IExecuteFunctions } from 'n8n-workflow';

import {
	fetchFieldDefs,
	fetchServerSettings,
	requireAttachmentField,
	type AttachmentField,
	type AttachmentFieldType,
	type FieldDefs,
	type ServerSettings,
} from './protocol/metadata';
import { AppendQueue, type AppendTarget } from './protocol/appendQueue';
import { appendToAttachmentMultiple } from './protocol/records';

/**
 * What one execution of the node shares across its items: Metadata and settings read once per
 * execution (not per item), a bound on the requests in flight, and the queue that turns all
 * appends to one record into one write.
 */
export class ExecutionSession {
	readonly appends: AppendQueue;

	private readonly fieldDefs = new Map<string, Promise<FieldDefs | undefined>>();

	private settings?: Promise<ServerSettings>;

	private active = 0;

	private readonly waiting: Array<() => void> = [];

	constructor(
		readonly ctx: IExecuteFunctions,
		readonly itemCount: number,
		readonly maxConcurrency: number,
	) {
		this.appends = new AppendQueue(itemCount);
	}

	/** Runs `work` when fewer than `maxConcurrency` units of work are in flight. */
	async limit<T>(work: () => Promise<T>): Promise<T> {
		if (this.active >= this.maxConcurrency) {
			await new Promise<void>((resolve) => this.waiting.push(resolve));
		} else {
			this.active++;
		}
		try {
			return await work();
		} finally {
			const next = this.waiting.shift();
			if (next) next();
			else this.active--;
		}
	}

	/**
	 * Adds attachments to a record's Attachment-Multiple field together with every other item of
	 * this execution that targets the same record: one write per record.
	 */
	async appendLater(target: AppendTarget, attachmentIds: string[], itemIndex: number): Promise<void> {
		await this.appends.enqueue(target, attachmentIds, itemIndex, async (group, ids, items) =>
			await this.limit(async () => await appendToAttachmentMultiple(this.ctx, group, ids, items[0])),
		);
	}

	async fieldsOf(entityType: string, itemIndex: number): Promise<FieldDefs | undefined> {
		let defs = this.fieldDefs.get(entityType);
		if (!defs) {
			defs = fetchFieldDefs(this.ctx, entityType, itemIndex);
			this.fieldDefs.set(entityType, defs);
			defs.catch(() => this.fieldDefs.delete(entityType));
		}
		return await defs;
	}

	async attachmentField(
		entityType: string,
		field: string,
		allowed: AttachmentFieldType[],
		itemIndex: number,
	): Promise<AttachmentField> {
		const fields = await this.fieldsOf(entityType, itemIndex);
		return requireAttachmentField(this.ctx.getNode(), itemIndex, entityType, fields, field, allowed);
	}

	async serverSettings(itemIndex: number): Promise<ServerSettings> {
		if (!this.settings) {
			this.settings = fetchServerSettings(this.ctx, itemIndex);
			this.settings.catch(() => (this.settings = undefined));
		}
		return await this.settings;
	}
}
