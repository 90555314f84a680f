import type { IDataObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { InputFile } from '../binary';
import { asNodeError, espoFailureOf, markUnsettled, outcomeUnknown, uploadRefusalOf } from './errors';
import { apiPath } from './http';
import type { EspoClient, Lease } from './index';
import { isSingleFileField, type AttachmentField, type ServerSettings } from './metadata';
import { cleanMimeType } from './mime';
import { lookUntilSettled } from './settle';

export interface UploadOptions {
	fileName?: string;
	mimeType?: string;
	/** Bytes per chunk; overrides the server's `attachmentUploadChunkSize`. 0 = never chunk. */
	chunkSize?: number;
	/** How many times a failed chunked upload is started again from the first byte. */
	retries?: number;
	itemIndex: number;
}

export interface UploadedAttachment extends IDataObject {
	id: string;
	name: string;
	/**
	 * An answer of the upload was lost (the create's, or the last chunk's), and EspoCRM, asked
	 * afterwards, showed the attachment (complete, with the bytes sent), so it was used, not sent again.
	 */
	uploadConfirmedAfterLostAnswer?: boolean;
}

const MB = 1024 * 1024;
const ENCODE_WINDOW = 48 * 1024;


// Image fields require `type` to equal the MIME type EspoCRM derives from the extension (reference
// §3.3: `photo.jpg` sent as `image/jpg` is refused), so common aliases are sent canonically.
const IMAGE_TYPES: Record<string, string> = {
	jpg: 'image/jpeg',
	jpeg: 'image/jpeg',
	png: 'image/png',
	gif: 'image/gif',
	webp: 'image/webp',
	svg: 'image/svg+xml',
	avif: 'image/avif',
};

function extensionOf(name: string): string {
	const match = /\.([A-Za-z0-9]+)$/.exec(name);
	return match ? match[1].toLowerCase() : '';
}

/**
 * For Image fields EspoCRM requires the type to be exactly the one of the extension, so an image
 * extension decides (an HTTP download labelled application/octet-stream or image/jpg still works).
 */
export function mimeTypeFor(field: AttachmentField, fileName: string, mimeType: string): string {
	if (field.type === 'image') {
		const canonical = IMAGE_TYPES[extensionOf(fileName)];
		if (canonical) return canonical;
	}
	return mimeType;
}

/** The name to store: the option, else the binary's name, else `<field>.<extension n8n recorded>`. */
export function fileNameFor(field: AttachmentField, file: InputFile, override?: string): string {
	if (override) return override;
	if (file.fileName) return file.fileName;
	return `${field.name}.${file.fileExtension || 'bin'}`;
}

const IMAGE_EXTENSIONS = '.jpg, .jpeg, .png, .gif, .webp, .svg, .avif';

/** Turns EspoCRM's terse type refusals into a message naming the file, the field and what it accepts. */
function explainRefusal(
	client: EspoClient,
	error: unknown,
	name: string,
	type: string,
	field: AttachmentField,
	itemIndex: number,
): NodeApiError | NodeOperationError {
	const refusal = uploadRefusalOf(error);
	if (!refusal) return asNodeError(client.node, error);
	const { reason } = refusal;
	if (refusal.kind === 'content') {
		return new NodeApiError(
			client.node,
			{ status: 403, reason },
			{
				message: `The content of '${name}' does not match its extension: EspoCRM checks that the bytes of an image are of the type the extension says (403 ${reason})`,
				description: 'Give the file the extension of its real format (e.g. .jpg for JPEG bytes) with the option "File Name", or convert it.',
				httpCode: '403',
				itemIndex,
			},
		);
	}
	const where = `${field.entityType}.${field.name}`;
	const accepts =
		field.type === 'image'
			? `An Image field accepts ${IMAGE_EXTENSIONS}.`
			: field.def.accept?.length
				? `${where} accepts ${field.def.accept.join(', ')}.`
				: '';
	const noExtension = extensionOf(name) === '' ? ` '${name}' has no extension; EspoCRM decides by the extension.` : '';
	const fix =
		'Rename the file (option "File Name"), convert it, or let an administrator add the type to the field (Entity Manager → the entity → Fields → the field → Accept).';
	return new NodeApiError(
		client.node,
		{ status: 403, reason },
		{
			message: `EspoCRM does not accept the file '${name}' (${type}) in ${where} (403 ${reason})`,
			description: `${accepts}${noExtension} ${fix}`.trim(),
			httpCode: '403',
			itemIndex,
		},
	);
}

function mb(bytes: number): string {
	return `${(bytes / MB).toFixed(bytes < 10 * MB ? 2 : 0)} MB`;
}

/**
 * The attributes EspoCRM needs to accept the file for the field: `relatedType` for File/Image
 * fields, `parentType` for Attachment-Multiple fields (the web UI does the same), the role, the
 * real byte size, the name and the MIME type.
 */
function attachmentAttributes(field: AttachmentField, name: string, type: string, size: number): IDataObject {
	return {
		name,
		type,
		size,
		role: 'Attachment',
		[isSingleFileField(field.type) ? 'relatedType' : 'parentType']: field.entityType,
		field: field.name,
	};
}

/**
 * The bodies of `Attachment/chunk/{id}`: each a JSON string holding a data-URI of `chunkSize` raw
 * bytes (what the web UI sends). The file's small pieces are base64-encoded straight into two
 * reusable buffers, used in turn, so no chunk-sized string or copy is made per chunk (big
 * allocations per chunk made V8 spend most of an upload in garbage collection), and the next body
 * can be prepared while the previous one is on the wire. A yielded body stays valid until the one
 * after the next is asked for.
 */
export async function* chunkBodies(file: InputFile, chunkSize: number, type: string): AsyncGenerator<Buffer> {
	const prefix = Buffer.from(`"data:${type};base64,`, 'utf8');
	const buffers = [0, 1].map(() => {
		const buffer = Buffer.allocUnsafe(prefix.length + 4 * Math.ceil(chunkSize / 3) + 4);
		prefix.copy(buffer, 0);
		return buffer;
	});
	let body = buffers[0];
	let offset = prefix.length;
	let raw = 0;
	let carry = Buffer.alloc(0); // fewer than 3 bytes not yet encoded
	const encode = (bytes: Buffer) => {
		offset += body.write(bytes.toString('base64'), offset, 'latin1');
	};
	const finish = (): Buffer => {
		if (carry.length) encode(carry);
		carry = Buffer.alloc(0);
		body[offset] = 0x22; // the closing quote of the JSON string
		const chunk = body.subarray(0, offset + 1);
		body = body === buffers[0] ? buffers[1] : buffers[0];
		offset = prefix.length;
		raw = 0;
		return chunk;
	};
	for await (const piece of file.pieces()) {
		let rest = piece;
		while (rest.length > 0) {
			let part = rest.subarray(0, chunkSize - raw);
			rest = rest.subarray(part.length);
			raw += part.length;
			if (carry.length) {
				// Complete the carried bytes to 3 so the base64 of the parts joins seamlessly.
				const head = Buffer.concat([carry, part.subarray(0, 3 - carry.length)]);
				part = part.subarray(head.length - carry.length);
				carry = head.length === 3 ? Buffer.alloc(0) : head;
				if (head.length === 3) encode(head);
			}
			const whole = part.length - (part.length % 3);
			// In windows of 48 KiB (a multiple of 3): small strings, cheap for V8 to make and drop.
			for (let at = 0; at < whole; at += ENCODE_WINDOW) {
				offset += body.write(part.toString('base64', at, Math.min(at + ENCODE_WINDOW, whole)), offset, 'latin1');
			}
			if (whole < part.length) carry = Buffer.from(part.subarray(whole));
			if (raw === chunkSize) yield finish();
		}
	}
	if (raw > 0) yield finish();
}

/** Whether EspoCRM holds the whole file: the upload is no longer "being uploaded" (it flips after the last byte). */
async function uploadComplete(client: EspoClient, id: string, size: number, itemIndex: number, lease: Lease): Promise<boolean> {
	try {
		const attachment = await client.attachments.find(id, itemIndex, lease);
		return attachment !== undefined && attachment.isBeingUploaded === false && attachment.size === size;
	} catch {
		return false;
	}
}

function transient(error: unknown): boolean {
	const failure = espoFailureOf(error);
	if (!failure) return error instanceof NodeApiError; // no HTTP answer: network
	return failure.status >= 500;
}

/**
 * Uploads a file as an EspoCRM Attachment for `field` and returns its attributes.
 * Files larger than the chunk size go the way EspoCRM's web UI sends them: create the attachment
 * with `isBeingUploaded` and the exact `size`, then append the chunks in order (each a data-URI)
 * to `Attachment/chunk/{id}`. EspoCRM has no resume (a resent chunk overshoots the size), so a
 * failed chunk deletes the attachment and the whole file is sent again, a bounded number of times.
 */
export async function uploadFile(
	client: EspoClient,
	file: InputFile,
	field: AttachmentField,
	settings: ServerSettings,
	options: UploadOptions,
): Promise<UploadedAttachment> {
	const { itemIndex } = options;
	const node = client.node;
	const name = fileNameFor(field, file, options.fileName);
	const type = mimeTypeFor(
		field,
		name,
		options.mimeType
			? cleanMimeType(node, itemIndex, options.mimeType, 'option "MIME Type"')
			: cleanMimeType(node, itemIndex, file.mimeType, 'of the input file'),
	);
	if (file.size === 0) {
		throw new NodeOperationError(node, `The file '${name}' is empty (0 bytes)`, {
			itemIndex,
			description:
				'The node before this one produced an empty file (often an HTTP request that got an empty body). Nothing was uploaded.',
		});
	}
	const maxSize = field.def.maxFileSize ? field.def.maxFileSize * MB : settings.maxSize;
	if (file.size > maxSize) {
		throw new NodeOperationError(
			node,
			`The file '${name}' is ${mb(file.size)}, more than EspoCRM accepts for ${field.entityType}.${field.name} (${mb(maxSize)})`,
			{
				itemIndex,
				description: field.def.maxFileSize
					? `The field's "Max File Size" is ${field.def.maxFileSize} MB (Entity Manager → ${field.entityType} → Fields → ${field.name}).`
					: 'An administrator can raise "attachmentUploadMaxSize" (Administration → Settings → Attachment Upload Max Size).',
			},
		);
	}
	// Servers before 7.2 have no chunk endpoint: the option cannot make them chunk.
	const chunkSize = settings.canChunk ? (options.chunkSize ?? settings.chunkSize) : 0;
	const attributes = attachmentAttributes(field, name, type, file.size);
	// One slot for the whole upload: the file is read (or its chunks encoded) only once it may be sent.
	return await client.holdingSlot(async (lease) => {
		/**
		 * `POST Attachment`. When its answer is lost, EspoCRM may hold an attachment whose id the node
		 * never learned: it is looked for (findLostCreate) before anything is sent again. Found → it is
		 * used; not there → the request is sent once more; cannot tell → the item fails naming it.
		 */
		const create = async (attributesToSend: IDataObject, contents?: Buffer): Promise<UploadedAttachment> => {
			const body = contents ? { ...attributesToSend, file: `data:${type};base64,${contents.toString('base64')}` } : attributesToSend;
			for (let attempt = 1; ; attempt++) {
				const sentAt = new Date();
				try {
					const created = await client.request<UploadedAttachment>({ method: 'POST', path: apiPath('Attachment'), body, itemIndex }, lease);
					client.attachments.made.add(created.id);
					return created;
				} catch (error) {
					if (!outcomeUnknown(error)) throw explainRefusal(client, error, name, type, field, itemIndex);
					// After a timeout or a proxy's 504, "not there" may only mean "not yet": looked for again before sending twice.
					const lost = { attributes: attributesToSend, sentAt, contents, itemIndex, lease };
					const settled = await lookUntilSettled(error, () => client.attachments.findLostCreate(lost), (seen) => seen.kind !== 'none');
					if (settled.kind === 'found') {
						client.attachments.made.add(settled.attachment.id);
						return { ...(settled.attachment as UploadedAttachment), uploadConfirmedAfterLostAnswer: true };
					}
					const apiError = asNodeError(node, error);
					if (settled.kind === 'none') {
						if (attempt < 2) continue;
						apiError.description = `${apiError.description ?? ''} EspoCRM, asked afterwards, holds no attachment '${name}' from this item: nothing was left behind.`.trim();
						throw apiError;
					}
					apiError.description = `${apiError.description ?? ''} ${settled.note}`.trim();
					throw markUnsettled(apiError);
				}
			}
		};

		if (!(chunkSize > 0 && file.size > chunkSize)) {
			if (chunkSize === 0 && settings.maxUploadSize && file.size > settings.maxUploadSize) {
				throw new NodeOperationError(
					node,
					`The file '${name}' is ${mb(file.size)}, more than this EspoCRM accepts in one request (${mb(settings.maxUploadSize)}) and it does not upload in chunks`,
					{
						itemIndex,
						description:
							'Ask the administrator to enable chunked uploads ("attachmentUploadChunkSize", EspoCRM 7.2+) or to raise PHP post_max_size.',
					},
				);
			}
			return await create(attributes, await file.read());
		}

		const attempts = 1 + Math.max(0, options.retries ?? 2);
		for (let attempt = 1; ; attempt++) {
			const created = await create({ ...attributes, isBeingUploaded: true });
			const total = Math.ceil(file.size / chunkSize);
			let index = 0;
			const bodies = chunkBodies(file, chunkSize, type);
			let next = bodies.next();
			try {
				for (;;) {
					const { value: body, done } = await next;
					if (done) break;
					index++;
					// Read and encode chunk n+1 while chunk n is on the wire; the chunks still go one after another.
					next = bodies.next();
					next.catch(() => undefined);
					try {
						await client.request({ method: 'POST', path: apiPath('Attachment', 'chunk', created.id), body, itemIndex }, lease);
					} catch (error) {
						// The last chunk's answer was lost: EspoCRM may have stored the whole file. Ask before starting over.
						const complete = () => uploadComplete(client, created.id, file.size, itemIndex, lease);
						if (index === total && outcomeUnknown(error) && (await lookUntilSettled(error, complete, (done) => done))) {
							return { ...created, isBeingUploaded: false, uploadConfirmedAfterLostAnswer: true };
						}
						throw asNodeError(node, error);
					}
				}
				return { ...created, isBeingUploaded: false };
			} catch (error) {
				await next.catch(() => undefined);
				await bodies.return(undefined);
				// A partial upload is linked to nothing yet: deleting it and sending the file again is safe.
				const cleanup = await client.attachments.deleteIfUnlinked(created.id, itemIndex, lease);
				if (attempt < attempts && transient(error) && cleanup.deleted) continue;
				const left = cleanup.deleted
					? ` The partial attachment ${created.id} was deleted.`
					: ` ${cleanup.note.replace('uploaded attachment', 'partial attachment')}`;
				if (uploadRefusalOf(error)) {
					const refusal = explainRefusal(client, error, name, type, field, itemIndex);
					// The type check of an image's content runs on the last chunk.
					refusal.description = `${refusal.description ?? ''}${left}`;
					throw refusal;
				}
				const cause = error as NodeApiError;
				throw new NodeApiError(
					node,
					{ status: espoFailureOf(error)?.status ?? 0, reason: espoFailureOf(error)?.reason ?? '' },
					{
						message: `Uploading '${name}' failed at chunk ${index} of ${total} (attempt ${attempt} of ${attempts}): ${cause.message}`,
						description: `${cause.description ?? ''}${left}`.trim(),
						httpCode: cause.httpCode ?? undefined,
						itemIndex,
					},
				);
			}
		}
	});
}
