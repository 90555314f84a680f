/** One record's Attachment-Multiple field that items append to. */
export interface AppendTarget {
	entityType: string;
	recordId: string;
	field: string;
}

export type AppendWrite = (target: AppendTarget, attachmentIds: string[], itemIndexes: number[]) => Promise<void>;

interface Entry {
	attachmentIds: string[];
	itemIndex: number;
	resolve: () => void;
	reject: (error: unknown) => void;
}

/**
 * Coalesces the appends of one execution: items that target the same record are written together,
 * one write per record instead of one per item. Each item "arrives" once, either by enqueueing an
 * append or by finishing without one; when every item has arrived, each record's group is written
 * and every waiting item learns the outcome of its group.
 */
export class AppendQueue {
	private readonly arrived = new Set<number>();

	private readonly groups = new Map<string, { target: AppendTarget; write: AppendWrite; entries: Entry[] }>();

	constructor(private readonly itemCount: number) {}

	enqueue(target: AppendTarget, attachmentIds: string[], itemIndex: number, write: AppendWrite): Promise<void> {
		const key = `${target.entityType}\u0000${target.recordId}\u0000${target.field}`;
		const promise = new Promise<void>((resolve, reject) => {
			const group = this.groups.get(key) ?? { target, write, entries: [] };
			group.entries.push({ attachmentIds, itemIndex, resolve, reject });
			this.groups.set(key, group);
		});
		this.arrive(itemIndex);
		return promise;
	}

	/** An item finished (or failed) without waiting for an append. */
	arrive(itemIndex: number): void {
		this.arrived.add(itemIndex);
		if (this.arrived.size >= this.itemCount) this.flush();
	}

	private flush(): void {
		const groups = [...this.groups.values()];
		this.groups.clear();
		for (const group of groups) {
			const ids = group.entries.flatMap((entry) => entry.attachmentIds);
			const items = group.entries.map((entry) => entry.itemIndex);
			group.write(group.target, ids, items).then(
				() => group.entries.forEach((entry) => entry.resolve()),
				(error: unknown) => group.entries.forEach((entry) => entry.reject(error)),
			);
		}
	}
}
