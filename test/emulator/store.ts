// The emulator's database: attachment and record rows in memory, file contents on disk
// (`<storageDir>/<sourceId ?? id>`, like Espo's data/upload, api §5.2). Bytes never stay in the heap.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { espoDateTime } from './http';

/** An Attachment row: the 21 attributes of `GET Attachment/{id}`, in their order (observed §4.a), plus `modifiedAt`. */
export interface AttachmentRow {
	id: string;
	name: string | null;
	deleted: boolean;
	type: string | null;
	size: number | null;
	field: string | null;
	isBeingUploaded: boolean;
	createdAt: string;
	/** Kept on every line; answered only from 9.2 (`profile.attachmentModifiedAt`, observed §9). */
	modifiedAt: string;
	role: string;
	storage: string;
	storageFilePath: string | null;
	global: boolean;
	parentId: string | null;
	parentType: string | null;
	relatedId: string | null;
	relatedType: string | null;
	sourceId: string | null;
	createdById: string;
}

/** A record row: attribute → value. Link-multiple and attachment-multiple values are not stored here. */
export type RecordRow = Record<string, unknown> & { id: string; deleted: boolean };

/** Espo ids: 17 lowercase hex characters. */
export function newId(): string {
	return randomBytes(9).toString('hex').slice(0, 17);
}

export class Store {
	readonly attachments = new Map<string, AttachmentRow>();
	private readonly tables = new Map<string, Map<string, RecordRow>>();
	private readonly counters = new Map<string, number>();

	constructor(readonly dir: string) {}

	// --- records ---

	table(entityType: string): Map<string, RecordRow> {
		let table = this.tables.get(entityType);
		if (!table) {
			table = new Map();
			this.tables.set(entityType, table);
		}
		return table;
	}

	/** A live record (not deleted). */
	record(entityType: string, id: string): RecordRow | undefined {
		const row = this.table(entityType).get(id);
		return row && !row.deleted ? row : undefined;
	}

	nextNumber(entityType: string): number {
		const next = (this.counters.get(entityType) ?? 0) + 1;
		this.counters.set(entityType, next);
		return next;
	}

	// --- attachments ---

	/** A live attachment; with `withDeleted`, deleted ones too (admins see those, observed §4.a). */
	attachment(id: string, withDeleted = false): AttachmentRow | undefined {
		const row = this.attachments.get(id);
		return row && (withDeleted || !row.deleted) ? row : undefined;
	}

	/** Attachments of an attachment-multiple field: parent matches and `field` is null or the field (api §6.2). */
	childAttachments(parentType: string, parentId: string, field: string): AttachmentRow[] {
		return [...this.attachments.values()]
			.filter((a) => !a.deleted && a.parentType === parentType && a.parentId === parentId && (a.field === null || a.field === field))
			.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
	}

	// --- files ---

	/** The stored file is keyed by `sourceId ?? id` (api §5.2). */
	filePath(attachment: AttachmentRow): string {
		return path.join(this.dir, attachment.sourceId ?? attachment.id);
	}

	hasFile(attachment: AttachmentRow): boolean {
		return fs.existsSync(this.filePath(attachment));
	}

	writeFile(attachment: AttachmentRow, contents: Buffer): void {
		fs.writeFileSync(this.filePath(attachment), contents);
	}

	appendFile(attachment: AttachmentRow, contents: Buffer): void {
		fs.appendFileSync(this.filePath(attachment), contents);
	}

	fileSize(attachment: AttachmentRow): number {
		try {
			return fs.statSync(this.filePath(attachment)).size;
		} catch {
			return 0;
		}
	}

	readFile(attachment: AttachmentRow): Buffer {
		return fs.readFileSync(this.filePath(attachment));
	}

	/** The first bytes of the file (enough to sniff its type). */
	readHead(attachment: AttachmentRow, length = 4096): Buffer {
		const buffer = Buffer.alloc(length);
		const fd = fs.openSync(this.filePath(attachment), 'r');
		try {
			return buffer.subarray(0, fs.readSync(fd, buffer, 0, length, 0));
		} finally {
			fs.closeSync(fd);
		}
	}

	/** SHA-256 of the stored file, read in 1 MiB steps so big files do not land in the heap. */
	sha256(attachment: AttachmentRow): string {
		const hash = createHash('sha256');
		const buffer = Buffer.allocUnsafe(1 << 20);
		const fd = fs.openSync(this.filePath(attachment), 'r');
		try {
			for (;;) {
				const n = fs.readSync(fd, buffer, 0, buffer.length, null);
				if (n === 0) break;
				hash.update(buffer.subarray(0, n));
			}
		} finally {
			fs.closeSync(fd);
		}
		return hash.digest('hex');
	}

	/** Marks the attachment deleted; the file goes only when no live attachment shares it (api §5.2 RemoveFile). */
	removeAttachment(attachment: AttachmentRow): void {
		attachment.deleted = true;
		attachment.modifiedAt = espoDateTime(); // Database::beforeRemove sets modifiedAt
		const key = attachment.sourceId ?? attachment.id;
		const shared = [...this.attachments.values()].some((a) => !a.deleted && (a.sourceId ?? a.id) === key);
		if (!shared) fs.rmSync(this.filePath(attachment), { force: true });
	}
}
