// POST Attachment/chunk/{id} (observed §3, api §4.2): UploadService::uploadChunk step by step.
// Every error here is family B (observed §0.1); success is `true` as JSON.
import { checkDetectedMimeType, isImageAttachment, maxUploadBytes } from './attachments';
import { decodeBase64LooseBytes } from './base64';
import type { ApiContext } from './context';
import { badRequest, EspoError, espoDateTime, forbidden, notFound } from './http';
import { EXTENSION_MIME_TYPES } from './metadata';

const SEPARATOR = ';base64,';

// One decode buffer for all chunks: the handler is synchronous, so it is never shared, and the
// emulator's memory stays flat over a 256 MiB upload (issue #3). Bigger chunks get their own buffer.
let decodeScratch: Buffer | undefined;

export function postChunk(ctx: ApiContext): boolean {
	// The body is read raw; Content-Type does not matter (api §4.2).
	const id = ctx.params.id;
	if (!id || ctx.body.length === 0) throw badRequest(''); // observed §3.17

	const attachment = ctx.store.attachment(id, ctx.acl.isAdmin);
	if (!attachment) throw notFound(''); // observed §3.16
	if (!ctx.acl.canReadAttachment(attachment)) throw forbidden("No 'read' access."); // observed §3.24
	if (!attachment.isBeingUploaded) throw forbidden('Attachment is not being-uploaded.'); // observed §3.08
	if (attachment.storage !== 'EspoUploadDir') throw forbidden("Attachment storage is not 'EspoUploadDir'.");

	// explode(';base64,', $body)[1], decoded non-strictly: a trailing `"` of a JSON string is skipped.
	const start = ctx.body.indexOf(SEPARATOR);
	if (start < 0) throw badRequest('Bad file data.'); // observed §3.19
	const next = ctx.body.indexOf(SEPARATOR, start + SEPARATOR.length);
	const contents = decodeBase64LooseBytes(
		ctx.body,
		start + SEPARATOR.length,
		next < 0 ? ctx.body.length : next,
		(decodeScratch ??= Buffer.alloc(8 * 1024 * 1024)),
	);

	const newSize = ctx.store.fileSize(attachment) + contents.length;
	if (newSize > maxUploadBytes(ctx, attachment)) throw forbidden('Max attachment size exceeded.');

	// Appended first, checked after: an overshoot leaves the bytes in place (observed §3.12).
	ctx.store.appendFile(attachment, contents);

	// PHP compares `$actual > null` as true for any non-empty file (observed §3.14, §3.15).
	const declared = attachment.size;
	if (declared === null ? newSize > 0 : newSize > declared) throw new EspoError(500, 'File size mismatch.');
	if (newSize !== declared) return true;

	// The last chunk: image contents are checked now; on failure the attachment is removed (api §3.3).
	if (isImageAttachment(attachment)) {
		const extension = (attachment.name ?? '').split('.').pop()?.toLowerCase() ?? '';
		try {
			checkDetectedMimeType(EXTENSION_MIME_TYPES[extension] ?? '', ctx.store.readHead(attachment));
		} catch (error) {
			ctx.store.removeAttachment(attachment);
			throw error;
		}
	}
	attachment.isBeingUploaded = false;
	attachment.modifiedAt = espoDateTime(); // saveEntity() of a changed entity (Database::processCreatedAndModifiedFieldsSave)
	return true;
}
