import type { IDataObject } from 'n8n-workflow';

import type { EspoClient } from './index';

/** One record's attachment field that items write to. */
export interface RecordField {
	entityType: string;
	recordId: string;
	field: string;
}

export type WriteOp =
	| { kind: 'set'; attachmentId: string; fields: IDataObject }
	| { kind: 'clear'; attachmentId: string }
	| { kind: 'add'; ids: string[] }
	| { kind: 'remove'; id: string };

/** What one item's write came to. */
export interface WriteOutcome {
	/** The record as EspoCRM answered the write (File field writes). */
	record?: IDataObject;
	/** The answer was lost; EspoCRM, asked afterwards, holds the change. */
	confirmedAfterLostAnswer?: boolean;
	/** File field: this item's upload was replaced by a later item's (EspoCRM would have deleted it, observed §5.07). */
	replacedBy?: string | null;
	/** File field: the uploads of earlier items of this execution that this item's file replaced. */
	replaced?: string[];
	/** Remove: whether the attachment was on the record (it is not, afterwards). */
	removed?: boolean;
}

export interface QueuedWrite {
	op: WriteOp;
	itemIndex: number;
	resolve: (outcome: WriteOutcome) => void;
	reject: (error: unknown) => void;
}

/**
 * The writes of one execution to record fields, applied per record field in item order. Each item
 * "arrives" once: by queueing a write or by finishing without one. When every item has arrived,
 * each record field's writes are applied together (File field: one `PUT`, the last item's file
 * wins; Attachment-Multiple: one relationship call per run of appends, or one read-change-write),
 * and every waiting item learns its own outcome.
 */
export class WriteQueue {
	private readonly arrived = new Set<number>();

	private readonly groups = new Map<string, { target: RecordField; writes: QueuedWrite[] }>();

	constructor(
		private readonly client: EspoClient,
		private readonly itemCount: number,
	) {}

	async enqueue(target: RecordField, op: WriteOp, itemIndex: number): Promise<WriteOutcome> {
		const key = `${target.entityType}\u0000${target.recordId}\u0000${target.field}`;
		const outcome = new Promise<WriteOutcome>((resolve, reject) => {
			const group = this.groups.get(key) ?? { target, writes: [] };
			group.writes.push({ op, itemIndex, resolve, reject });
			this.groups.set(key, group);
		});
		this.arrive(itemIndex);
		return await outcome;
	}

	/** An item finished (or failed) without waiting for a write. */
	arrive(itemIndex: number): void {
		this.arrived.add(itemIndex);
		if (this.arrived.size >= this.itemCount) this.flush();
	}

	private flush(): void {
		const groups = [...this.groups.values()];
		this.groups.clear();
		for (const { target, writes } of groups) {
			writes.sort((a, b) => a.itemIndex - b.itemIndex);
			const single = writes.some((write) => write.op.kind === 'set' || write.op.kind === 'clear');
			const apply = single
				? this.client.records.applyFileWrites(target, writes)
				: this.client.records.applyListWrites(target, writes);
			apply.catch((error: unknown) => writes.forEach((write) => write.reject(error)));
		}
	}
}
