import type { IBinaryData, IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { InputFile } from '../binary';
import { asNodeError, espoFailureOf, markUnsettled, outcomeUnknown } from './errors';
import { apiPath } from './http';
import type { EspoClient, Lease } from './index';
import { isSingleFileField, type AttachmentField } from './metadata';
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

/** EspoCRM's Attachment endpoints: upload, read, download, copy, delete, and what an attachment is linked to. */
export class Attachments {
	constructor(private readonly client: EspoClient) {}

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
		const copyOnce = async () =>
			await this.client.request<UploadedAttachment>({ method: 'POST', path: apiPath('Attachment', 'copy', sourceId), body, itemIndex });
		try {
			return await copyOnce();
		} catch (error) {
			if (!outcomeUnknown(error)) throw asNodeError(this.client.node, error);
			let copies: AttachmentRecord[];
			try {
				copies = await this.unlinkedCopiesOf(sourceId, field, itemIndex);
			} catch (lookup) {
				const apiError = error as NodeApiError;
				apiError.description = `${apiError.description ?? ''} The copy of ${sourceId} may have been made anyway; the node could not look for it (${(lookup as Error).message}). An administrator can find it under Attachments (an unlinked attachment for ${field.entityType}.${field.name} whose source is ${sourceId}) and delete it.`.trim();
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
				'where[0][type]': 'equals',
				'where[0][attribute]': 'sourceId',
				'where[0][value]': shared,
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
				!linkedRecordOf(attachment),
		);
	}
}
