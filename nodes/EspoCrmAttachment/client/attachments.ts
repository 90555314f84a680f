import type { IBinaryData, IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { InputFile } from '../binary';
import { asNodeError, espoFailureOf, markUnsettled, outcomeUnknown } from './errors';
import { apiPath, whereQuery } from './http';
import type { EspoClient, Lease } from './index';
import { isSingleFileField, type AttachmentField } from './metadata';
import { lookUntilSettled } from './settle';
import { uploadFile, type UploadedAttachment, type UploadOptions } from './upload';

export type { UploadedAttachment, UploadOptions };

export interface AttachmentRecord extends IDataObject {
	id: string;
	name: string;
	type: string | null;
	size: number | null;
	isBeingUploaded?: boolean;
	parentType?: string | null;
	parentId?: string | null;
	relatedType?: string | null;
	relatedId?: string | null;
	field?: string | null;
	sourceId?: string | null;
}

/** What links an attachment to a record: `parent*` for Attachment-Multiple, `related*` for File/Image fields. */
export function linkedRecordOf(attachment: AttachmentRecord): { entityType: string; id: string } | undefined {
	if (attachment.parentType && attachment.parentId) return { entityType: attachment.parentType, id: attachment.parentId };
	if (attachment.relatedType && attachment.relatedId) return { entityType: attachment.relatedType, id: attachment.relatedId };
	return undefined;
}

export type BinaryHelpers = Pick<IExecuteFunctions['helpers'], 'prepareBinaryData'>;

/**
 * A name n8n can write and a user can save: the base name only (no `/`, `\`, `..` or control
 * characters), whatever EspoCRM stored. Empty → `attachment-<id>`.
 */
export function plainFileName(name: string | null | undefined, id: string): string {
	const base = (name ?? '').split(/[/\\]/).pop() ?? '';
	const clean = base
		// eslint-disable-next-line no-control-regex
		.replace(/[\u0000-\u001f\u007f]/g, '')
		.replace(/\.{2,}/g, '.')
		.trim();
	return clean === '' || clean === '.' ? `attachment-${id}` : clean;
}

/** A `POST Attachment` whose answer was lost: what was sent, and when. */
export interface LostCreate {
	/** The attributes sent (without `file`): name, type, size, role, relatedType|parentType, field, isBeingUploaded. */
	attributes: IDataObject;
	/** When the request left (this host's clock). */
	sentAt: Date;
	/** The bytes sent (a single-request upload): a candidate must hold exactly these. */
	contents?: Buffer;
	itemIndex: number;
	lease?: Lease;
}

export type LostCreateOutcome =
	| { kind: 'found'; attachment: AttachmentRecord }
	| { kind: 'none' }
	| { kind: 'unknown'; note: string };

/** How far before the request a candidate's `createdAt` may be: EspoCRM's clock is not this host's. */
const CLOCK_SKEW_MS = 10 * 60_000;

/** EspoCRM's date-time format (UTC, observed §2.01): `YYYY-MM-DD HH:MM:SS`. */
function espoDateTime(date: Date): string {
	return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** EspoCRM's Attachment endpoints: upload, read, download, copy, delete, and what an attachment is linked to. */
export class Attachments {
	/** Attachments this client made whose create (or copy) answer arrived: never taken for a lost one. */
	readonly made = new Set<string>();

	constructor(private readonly client: EspoClient) {}

	/** Where an administrator lists attachments in EspoCRM's web UI (the list is admin-only, observed §4.a). */
	private async attachmentListUrl(): Promise<string> {
		return `${await this.client.siteUrl()}/#Attachment`;
	}

	/**
	 * Settles a `POST Attachment` whose answer was lost (a reset after EspoCRM handled it, a 502/504
	 * from a proxy after PHP committed): EspoCRM may hold an attachment whose id the node never
	 * learned. Only an administrator may list attachments (observed §4.a: 403 for others), so as an
	 * admin the node looks for it: same name, type, size, role, field and relatedType/parentType,
	 * created by this user since shortly before the request, linked to nothing, not one this client
	 * already knows, and (single-request upload) holding exactly the bytes sent.
	 * One → `found`; none → `none` (the create did not happen); otherwise `unknown`, with a note
	 * that names what may be left and how an administrator finds it. Never deletes anything.
	 */
	async findLostCreate(lost: LostCreate): Promise<LostCreateOutcome> {
		const { attributes, sentAt, itemIndex, lease } = lost;
		const typeKey = typeof attributes.relatedType === 'string' ? 'relatedType' : 'parentType';
		const entityType = String(attributes[typeKey] ?? '');
		const field = String(attributes.field ?? '');
		const name = String(attributes.name ?? '');
		const since = new Date(sentAt.getTime() - CLOCK_SKEW_MS);
		const describe = async (userId: string, why: string): Promise<LostCreateOutcome> => ({
			kind: 'unknown',
			note:
				`EspoCRM may hold the attachment '${name}' (${attributes.size} bytes) for ${entityType}.${field} anyway: the answer to POST Attachment, sent at ${espoDateTime(sentAt)} UTC, was lost, and ${why}. ` +
				'The node did not send the file again, so nothing is duplicated. ' +
				`An administrator finds it at ${await this.attachmentListUrl().catch(() => '<EspoCRM>/#Attachment')}: '${name}', field '${field}' of ${entityType}, created by user ${userId || 'of this credential'} at about ${espoDateTime(sentAt)} UTC, linked to no record. Delete it if no record lists it, then run the item again.`,
		});
		let me: { id: string; isAdmin: boolean };
		try {
			me = await this.client.currentUser(itemIndex, lease);
		} catch (error) {
			return await describe('', `EspoCRM could not be asked what it holds (${(error as Error).message})`);
		}
		if (!me.isAdmin) {
			return await describe(me.id, 'only an administrator may list attachments to look for it (this credential\'s user is not one)');
		}
		let candidates: AttachmentRecord[];
		try {
			const qs: IDataObject = {
				maxSize: 50,
				orderBy: 'createdAt',
				order: 'desc',
				...whereQuery([
					['equals', 'name', name],
					['equals', 'field', field],
					['equals', typeKey, entityType],
					['equals', 'createdById', me.id],
					['greaterThanOrEquals', 'createdAt', espoDateTime(since)],
				]),
			};
			const answer = await this.client.request<{ list?: AttachmentRecord[] }>({ method: 'GET', path: apiPath('Attachment'), qs, itemIndex }, lease);
			const beingUploaded = attributes.isBeingUploaded === true;
			candidates = (answer?.list ?? []).filter(
				(attachment) =>
					attachment.name === name &&
					attachment.field === field &&
					attachment[typeKey] === entityType &&
					attachment.createdById === me.id &&
					String(attachment.createdAt ?? '') >= espoDateTime(since) &&
					(attachment.type ?? null) === (attributes.type ?? null) &&
					(attachment.role ?? 'Attachment') === (attributes.role ?? 'Attachment') &&
					attachment.size === attributes.size &&
					(attachment.isBeingUploaded === true) === beingUploaded &&
					!linkedRecordOf(attachment) &&
					!this.made.has(attachment.id),
			);
			if (lost.contents && candidates.length > 0 && candidates.length <= 3) {
				const holding: AttachmentRecord[] = [];
				for (const candidate of candidates) {
					if ((await this.bytesOf(candidate.id, candidate.size ?? 0, itemIndex, lease)).equals(lost.contents)) holding.push(candidate);
				}
				candidates = holding;
			}
		} catch (error) {
			return await describe(me.id, `looking for it failed (${(error as Error).message})`);
		}
		if (candidates.length === 1) return { kind: 'found', attachment: candidates[0] };
		if (candidates.length === 0) return { kind: 'none' };
		return await describe(
			me.id,
			`EspoCRM holds ${candidates.length} such unlinked attachments (${candidates.map((candidate) => candidate.id).join(', ')}); the node cannot tell which one is its own, so it took none`,
		);
	}

	/** The stored bytes of an attachment (at most `size` + 1 are kept), for comparing with what was sent. */
	private async bytesOf(id: string, size: number, itemIndex: number, lease?: Lease): Promise<Buffer> {
		return await this.client.stream(
			{ method: 'GET', path: apiPath('Attachment', 'file', id), itemIndex },
			async ({ stream }) => {
				const parts: Buffer[] = [];
				let total = 0;
				for await (const part of stream as AsyncIterable<Buffer | string>) {
					const buffer = Buffer.isBuffer(part) ? part : Buffer.from(part);
					if (total <= size) parts.push(buffer);
					total += buffer.length;
				}
				return Buffer.concat(parts);
			},
			lease,
		);
	}

	async upload(file: InputFile, field: AttachmentField, options: UploadOptions): Promise<UploadedAttachment> {
		const settings = await this.client.serverSettings(options.itemIndex);
		return await uploadFile(this.client, file, field, settings, options);
	}

	async get(id: string, itemIndex?: number, lease?: Lease): Promise<AttachmentRecord> {
		return await this.client.request<AttachmentRecord>({ method: 'GET', path: apiPath('Attachment', id), itemIndex }, lease);
	}

	/** The attachment as EspoCRM holds it now, or `undefined` when it does not exist (404). Throws when EspoCRM cannot be asked. */
	async find(id: string, itemIndex?: number, lease?: Lease): Promise<AttachmentRecord | undefined> {
		try {
			const attachment = await this.get(id, itemIndex, lease);
			return attachment?.deleted === true ? undefined : attachment;
		} catch (error) {
			if (espoFailureOf(error)?.status === 404) return undefined;
			throw asNodeError(this.client.node, error);
		}
	}

	/** Deletes an attachment (EspoCRM removes the stored file when no copy shares it). */
	async delete(id: string, itemIndex?: number, lease?: Lease): Promise<void> {
		await this.client.request({ method: 'DELETE', path: apiPath('Attachment', id), itemIndex }, lease);
	}

	/**
	 * Deletes an attachment the node created and that no record holds, and says in words what
	 * happened (for an error message or an output). Asks EspoCRM first: an attachment a record
	 * points at is never deleted, and one EspoCRM cannot be asked about is kept.
	 */
	async deleteIfUnlinked(id: string, itemIndex?: number, lease?: Lease): Promise<{ deleted: boolean; note: string }> {
		let attachment: AttachmentRecord | undefined;
		try {
			attachment = await this.find(id, itemIndex, lease);
		} catch (error) {
			return {
				deleted: false,
				note: `The uploaded attachment ${id} was kept: EspoCRM could not be asked whether a record holds it (${(error as Error).message}). Check it in EspoCRM and delete it if no record lists it.`,
			};
		}
		if (!attachment) return { deleted: true, note: `The uploaded attachment ${id} is not in EspoCRM, so nothing is left behind.` };
		const linked = linkedRecordOf(attachment);
		if (linked) {
			return {
				deleted: false,
				note: `The uploaded attachment ${id} was kept: EspoCRM shows it on ${linked.entityType} ${linked.id}.`,
			};
		}
		try {
			await this.delete(id, itemIndex, lease);
			return { deleted: true, note: `The uploaded attachment ${id} was deleted, so nothing is left behind.` };
		} catch (error) {
			if (espoFailureOf(error)?.status === 404) {
				return { deleted: true, note: `The uploaded attachment ${id} is not in EspoCRM, so nothing is left behind.` };
			}
			return {
				deleted: false,
				note: `The uploaded attachment ${id} could NOT be deleted (${(error as Error).message}); delete it in EspoCRM.`,
			};
		}
	}

	/**
	 * Downloads an attachment into n8n's binary storage. The name and MIME type come from the
	 * attachment record: `Content-Disposition` is written as raw UTF-8 and unescaped by EspoCRM, and
	 * an untyped file is labelled `application/json`. The body is streamed (in filesystem mode it
	 * never sits in memory whole) and checked against the recorded size: `Attachment/file/{id}`
	 * serves unfinished chunked uploads as they are.
	 */
	async download(attachment: AttachmentRecord, itemIndex: number, helpers: BinaryHelpers): Promise<IBinaryData> {
		const node = this.client.node;
		if (attachment.isBeingUploaded === true) {
			throw new NodeOperationError(
				node,
				`The attachment '${attachment.name}' (${attachment.id}) is still being uploaded, so its file is incomplete`,
				{
					itemIndex,
					description:
						'Wait until the upload has finished. An upload that was abandoned never finishes: delete the attachment in EspoCRM.',
				},
			);
		}
		const fileName = plainFileName(attachment.name, attachment.id);
		const binary = await this.client.stream(
			{ method: 'GET', path: apiPath('Attachment', 'file', attachment.id), itemIndex },
			async ({ stream }) => {
				try {
					return await helpers.prepareBinaryData(stream, fileName, attachment.type || 'application/octet-stream');
				} catch (error) {
					throw new NodeApiError(
						node,
						{ code: 'download cut short' },
						{
							message: `The download of '${attachment.name}' (${attachment.id}) was cut short: ${(error as Error).message}`,
							description: 'The connection to EspoCRM broke during the download. Run the node again.',
							itemIndex,
						},
					);
				}
			},
		);
		binary.fileName = fileName;
		const expected = typeof attachment.size === 'number' ? attachment.size : undefined;
		if (expected !== undefined && binary.bytes !== undefined && binary.bytes !== expected) {
			throw new NodeOperationError(
				node,
				`The file of '${attachment.name}' (${attachment.id}) has ${binary.bytes} bytes, but EspoCRM records ${expected}`,
				{
					itemIndex,
					description:
						binary.bytes < expected
							? 'The download was cut short or the stored file is incomplete (an unfinished upload). Run the node again; if it persists, upload the file again.'
							: 'The stored file is larger than recorded: a chunked upload overshot. Upload the file again.',
				},
			);
		}
		return binary;
	}

	/** An attachment's record and its file, downloaded as described above. */
	async downloadById(
		id: string,
		itemIndex: number,
		helpers: BinaryHelpers,
	): Promise<{ attachment: AttachmentRecord; binary: IBinaryData }> {
		const attachment = await this.get(id, itemIndex);
		return { attachment, binary: await this.download(attachment, itemIndex, helpers) };
	}

	/**
	 * `Attachment/copy/{id}`: a new attachment for `field` that shares the stored file (linking the
	 * original id instead would move it away from its record). When the answer is lost the copy may
	 * exist without the node knowing its id: EspoCRM is asked (as admin, the only user who may list
	 * attachments) for an unlinked copy of the source for that field; exactly one → it is used,
	 * none → the copy is made again, otherwise the item fails naming what to check.
	 */
	async copy(sourceId: string, field: AttachmentField, itemIndex: number): Promise<UploadedAttachment & { confirmedAfterLostAnswer?: boolean }> {
		const single = isSingleFileField(field.type);
		const body = { field: field.name, [single ? 'relatedType' : 'parentType']: field.entityType };
		const copyOnce = async () => {
			const copy = await this.client.request<UploadedAttachment>({ method: 'POST', path: apiPath('Attachment', 'copy', sourceId), body, itemIndex });
			this.made.add(copy.id);
			return copy;
		};
		const sentAt = new Date();
		try {
			return await copyOnce();
		} catch (error) {
			if (!outcomeUnknown(error)) throw asNodeError(this.client.node, error);
			let copies: AttachmentRecord[] | undefined;
			let why = 'only an administrator may list attachments (this credential\'s user is not one)';
			try {
				if ((await this.client.currentUser(itemIndex)).isAdmin) {
					copies = await lookUntilSettled(error, () => this.unlinkedCopiesOf(sourceId, field, itemIndex), (seen) => seen.length > 0);
				}
			} catch (lookup) {
				why = (lookup as Error).message;
			}
			if (!copies) {
				const apiError = asNodeError(this.client.node, error);
				const site = await this.attachmentListUrl().catch(() => '<EspoCRM>/#Attachment');
				apiError.description = `${apiError.description ?? ''} The copy of attachment ${sourceId} for ${field.entityType}.${field.name}, asked for at ${espoDateTime(sentAt)} UTC, may have been made anyway; the node could not look for it: ${why}. It did not copy again, so nothing is duplicated. An administrator finds it at ${site}: an attachment with the source's name, field '${field.name}' of ${field.entityType}, source ${sourceId}, created at about ${espoDateTime(sentAt)} UTC, linked to no record. Delete it if no record lists it, then run the item again.`.trim();
				throw markUnsettled(apiError);
			}
			if (copies.length === 1) return { ...(copies[0] as UploadedAttachment), confirmedAfterLostAnswer: true };
			if (copies.length === 0) return await copyOnce();
			const apiError = error as NodeApiError;
			apiError.description = `${apiError.description ?? ''} EspoCRM holds ${copies.length} unlinked copies of ${sourceId} for ${field.entityType}.${field.name} (${copies.map((copy) => copy.id).join(', ')}); the node cannot tell which one is its own, so it linked none. Delete the ones no record needs.`.trim();
			throw markUnsettled(apiError);
		}
	}

	/** Unlinked attachments for `field` whose stored file is the source's (admin only: others get 403). */
	private async unlinkedCopiesOf(sourceId: string, field: AttachmentField, itemIndex: number): Promise<AttachmentRecord[]> {
		const source = await this.get(sourceId, itemIndex);
		const shared = source.sourceId || source.id;
		const answer = await this.client.request<{ list?: AttachmentRecord[] }>({
			method: 'GET',
			path: apiPath('Attachment'),
			qs: {
				maxSize: 50,
				orderBy: 'createdAt',
				order: 'desc',
				...whereQuery([['equals', 'sourceId', shared]]),
			},
			itemIndex,
		});
		const typeKey = isSingleFileField(field.type) ? 'relatedType' : 'parentType';
		return (answer?.list ?? []).filter(
			(attachment) =>
				attachment.id !== sourceId &&
				attachment.sourceId === shared &&
				attachment.field === field.name &&
				attachment[typeKey] === field.entityType &&
				!linkedRecordOf(attachment) &&
				!this.made.has(attachment.id),
		);
	}
}
