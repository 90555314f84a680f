// The Attachment endpoints: POST Attachment (observed §2, api §3), GET Attachment/{id} and the list
// (observed §4.a), GET Attachment/file/{id} (observed §4, api §5.1), DELETE (observed §6.07–6.11)
// and POST Attachment/copy/{id} (observed §6.01–6.06, api §5.3).
import fs from 'node:fs';
import type { ServerResponse } from 'node:http';

import type { Acl } from './acl';
import { decodeBase64Loose } from './base64';
import { type ApiContext, type JsonObject, parsedBody, type Services, stringOrNull } from './context';
import { badRequest, EspoError, espoDateTime, forbidden, notFound, setEspoHeaders, validationFailure } from './http';
import { EXTENSION_MIME_TYPES, fieldDef, IMAGE_TYPES } from './metadata';
import { compareForOrder, matchesTextFilter, matchesWhere, parseSearchParams } from './search';
import { type AttachmentRow, newId } from './store';
import { userById } from './users';

export const ROLE_ATTACHMENT = 'Attachment';
export const ROLE_INLINE = 'Inline Attachment';
const UPLOAD_DIR_STORAGE = 'EspoUploadDir';
// inlineAttachmentUploadMaxSize default (api §3.2).
const INLINE_MAX_SIZE_MB = 20;

// --- checks shared by upload, chunked create and copy -------------------------------------------

/** Steps 4–7 of the observed order (§2 "Order of checks") plus field edit access (api §3.2 row 8). */
export function checkUploadTarget(acl: Acl, role: string, entityType: string, field: string): void {
	if (role !== ROLE_ATTACHMENT && role !== ROLE_INLINE) throw forbidden('Role not allowed.');
	// An unknown entity type reads as a missing field (observed §2.12).
	const def = fieldDef(entityType, field);
	if (!def) throw forbidden(`Field '${field}' does not exist.`);
	const allowedTypes = role === ROLE_ATTACHMENT ? ['file', 'image', 'attachmentMultiple'] : ['wysiwyg'];
	if (!allowedTypes.includes(def.type)) throw forbidden(`Field type '${def.type}' is not allowed for ${role}.`);
	if (entityType !== 'Settings' && !acl.checkScope(entityType, 'create') && !acl.checkScope(entityType, 'edit')) {
		throw forbidden(`No access to ${entityType}.`);
	}
	if (!acl.canEditField(entityType, field)) throw forbidden(`No access to field '${field}'.`);
}

/** The size limit in bytes: the field's `maxFileSize`, else `attachmentUploadMaxSize` (api §3.2). */
export function maxUploadBytes(services: Services, attachment: Pick<AttachmentRow, 'role' | 'field' | 'parentType' | 'relatedType'>): number {
	if (attachment.role === ROLE_INLINE) return INLINE_MAX_SIZE_MB * 1024 * 1024;
	const def = fieldDef(attachment.parentType ?? attachment.relatedType, attachment.field);
	const megabytes = typeof def?.maxFileSize === 'number' ? def.maxFileSize : services.settings.attachmentUploadMaxSize;
	return megabytes * 1024 * 1024;
}

/** The text after the last dot, lower-cased; a name without a dot is all "extension" (api §3.1). */
function fileExtension(name: string): string {
	return (name.split('.').pop() ?? '').toLowerCase();
}

/** A small stand-in for PHP fileinfo: the MIME type the contents look like. */
function detectMimeType(contents: Buffer): string {
	const head = contents.subarray(0, 16);
	if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
	if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
	if (head.toString('latin1', 0, 4) === 'GIF8') return 'image/gif';
	if (head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
	if (head.toString('latin1', 4, 12) === 'ftypavif') return 'image/avif';
	if (head.toString('latin1', 0, 4) === '%PDF') return 'application/pdf';
	const text = contents.subarray(0, 4096);
	if (text.includes(0)) return 'application/octet-stream';
	return /<svg[\s>]/i.test(text.toString('latin1')) ? 'image/svg+xml' : 'text/plain';
}

interface TypeCheckSubject {
	name: string;
	type: string | null;
	role: string;
	field: string;
	entityType: string;
}

function isImageTarget(subject: TypeCheckSubject): boolean {
	return subject.role === ROLE_INLINE || fieldDef(subject.entityType, subject.field)?.type === 'image';
}

/** Checker::checkType (api §3.3). `contents` are checked for image fields when present. */
export function checkFileType(subject: TypeCheckSubject, contents?: Buffer): void {
	const extension = fileExtension(subject.name);
	const extensionMimeType = EXTENSION_MIME_TYPES[extension];
	if (isImageTarget(subject)) {
		if (!extensionMimeType || !IMAGE_TYPES.includes(extensionMimeType)) throw forbidden('Not allowed file type.');
		if ((subject.type ?? '').toLowerCase() !== extensionMimeType) throw forbidden('Passed type does not correspond to extension.');
		checkDetectedMimeType(extensionMimeType, contents);
		return;
	}
	const accept = fieldDef(subject.entityType, subject.field)?.accept ?? [];
	if (accept.length === 0) return;
	const mimeType = extensionMimeType ?? subject.type;
	const allowed = accept.some((token) => {
		const t = token.toLowerCase();
		if (t === `.${extension}`) return true;
		if (!mimeType) return false;
		const m = mimeType.toLowerCase();
		return m === t || (['audio/*', 'video/*', 'image/*'].includes(t) && m.startsWith(t.slice(0, -1)));
	});
	if (!allowed) throw forbidden('Not allowed file type.');
}

export function checkDetectedMimeType(extensionMimeType: string, contents?: Buffer): void {
	if (!contents || contents.length === 0) return;
	if (detectMimeType(contents) !== extensionMimeType) throw forbidden('Detected mime type does not correspond to extension.');
}

export function isImageAttachment(attachment: AttachmentRow): boolean {
	return (
		attachment.role === ROLE_INLINE ||
		fieldDef(attachment.parentType ?? attachment.relatedType, attachment.field)?.type === 'image'
	);
}

// --- views --------------------------------------------------------------------------------------

function recordName(services: Services, entityType: string | null, id: string | null): string | null {
	if (!entityType || !id) return null;
	const row = services.store.table(entityType).get(id);
	return row && typeof row.name === 'string' ? row.name : null;
}

/**
 * `GET Attachment/{id}`: always these 21 keys in this order (observed §4.a); from 9.2 a 22nd,
 * `modifiedAt` (observed §9), placed after `createdAt` as the entityDefs field order puts it
 * (E9.2.0 `entityDefs/Attachment.json`; the position itself was not observed).
 */
export function attachmentView(services: Services, a: AttachmentRow): JsonObject {
	return {
		id: a.id,
		name: a.name,
		deleted: a.deleted,
		type: a.type,
		size: a.size,
		field: a.field,
		isBeingUploaded: a.isBeingUploaded,
		createdAt: a.createdAt,
		...(services.profile.attachmentModifiedAt ? { modifiedAt: a.modifiedAt } : {}),
		role: a.role,
		storage: a.storage,
		storageFilePath: a.storageFilePath,
		global: a.global,
		parentId: a.parentId,
		parentType: a.parentType,
		parentName: recordName(services, a.parentType, a.parentId),
		relatedId: a.relatedId,
		relatedType: a.relatedType,
		relatedName: recordName(services, a.relatedType, a.relatedId),
		sourceId: a.sourceId,
		createdById: a.createdById,
		createdByName: userById(a.createdById)?.userName ?? null,
	};
}

/** The create response lists only the attributes that were set (observed §2.01, §2.30, §3.14). */
function createdView(services: Services, a: AttachmentRow, typeWasSent: boolean): JsonObject {
	const unset = (key: string, value: unknown) =>
		['parentId', 'relatedId', 'sourceId'].includes(key) ||
		(key === 'type' && !typeWasSent) ||
		(['size', 'parentType', 'relatedType'].includes(key) && value === null);
	return Object.fromEntries(Object.entries(attachmentView(services, a)).filter(([key, value]) => !unset(key, value)));
}

/** The copy response: 16 keys, no names, no parentId/relatedId (observed §6.01). */
function copiedView(services: Services, a: AttachmentRow): JsonObject {
	const omitted = ['parentId', 'parentName', 'relatedId', 'relatedName', 'createdByName'];
	return Object.fromEntries(Object.entries(attachmentView(services, a)).filter(([key]) => !omitted.includes(key)));
}

// --- POST Attachment ----------------------------------------------------------------------------

export function postAttachment(ctx: ApiContext): JsonObject {
	const data = parsedBody(ctx);
	const isBeingUploaded = data.isBeingUploaded === true;

	// 1–2: the file contents (not needed when the upload comes in chunks, observed §3.14, §3.20).
	let encoded: string | undefined;
	if (!isBeingUploaded) {
		if (data.file === undefined || data.file === null) throw badRequest('No file contents.');
		if (typeof data.file !== 'string') throw badRequest('Non-string file contents.');
		const comma = data.file.indexOf(',');
		if (comma < 0) throw badRequest('Bad file contents.');
		encoded = data.file.slice(comma + 1);
		delete data.file;
	}

	// 3: field and a type; parentType wins over relatedType (observed §2.25, §2.26).
	const field = stringOrNull(data.field);
	const parentType = stringOrNull(data.parentType);
	const relatedType = parentType ? null : stringOrNull(data.relatedType);
	const entityType = parentType ?? relatedType;
	if (!field || !entityType) throw badRequest('No `field` and `parentType`.');

	// 4–7 and field access.
	const role = data.role === undefined || data.role === null ? ROLE_ATTACHMENT : String(data.role);
	checkUploadTarget(ctx.acl, role, entityType, field);

	// 8: field validation.
	const name = typeof data.name === 'string' ? data.name : null;
	if (!name) throw validationFailure('Attachment', 'name');

	// 9: only the declared size is checked (observed §2.22, §2.23).
	const declaredSize = typeof data.size === 'number' ? data.size : null;
	const now = espoDateTime();
	const row: AttachmentRow = {
		id: newId(),
		name,
		deleted: false,
		type: typeof data.type === 'string' ? data.type : null,
		size: declaredSize,
		field,
		isBeingUploaded,
		createdAt: now,
		modifiedAt: now, // = createdAt on create (observed §9)
		role,
		storage: UPLOAD_DIR_STORAGE,
		storageFilePath: null,
		global: false,
		parentId: null, // parentId/relatedId are cleared on create (observed §2.27)
		parentType,
		relatedId: null,
		relatedType,
		sourceId: null,
		createdById: ctx.user.id,
	};
	if (declaredSize !== null && declaredSize > maxUploadBytes(ctx, row)) {
		throw forbidden('Attachment size exceeds `attachmentUploadMaxSize`.');
	}

	// 10: file type; the contents are only there for single-request uploads.
	const contents = encoded === undefined ? undefined : decodeBase64Loose(encoded);
	encoded = undefined;
	checkFileType({ name, type: row.type, role, field, entityType }, contents);

	if (contents) {
		row.size = contents.length; // the real length wins (observed §2.23)
		ctx.store.writeFile(row, contents);
	} else {
		ctx.store.writeFile(row, Buffer.alloc(0)); // chunked: an empty file to append to (api §4.2)
	}
	ctx.store.attachments.set(row.id, row);
	return createdView(ctx, row, 'type' in data);
}

// --- reads --------------------------------------------------------------------------------------

/** Record-service getEntity(): admins also see deleted rows (api §5.1). */
function loadReadable(ctx: ApiContext, id: string, notFoundReason: string): AttachmentRow {
	const attachment = ctx.store.attachment(id, ctx.acl.isAdmin);
	if (!attachment) throw notFound(notFoundReason);
	if (!ctx.acl.canReadAttachment(attachment)) throw forbidden("No 'read' access.");
	return attachment;
}

export function getAttachment(ctx: ApiContext): JsonObject {
	const id = ctx.params.id;
	return attachmentView(ctx, loadReadable(ctx, id, `Record ${id} does not exist.`));
}

/**
 * Admin only; others get 403 with an empty reason (observed §4.a; `Controllers/Attachment::getActionList`
 * in 8.4.2 and 9.3 checks `isAdmin()` and then runs the standard record list of `RecordBase`). So the
 * usual list parameters apply (api §6.5, observed §6.20–6.25): `where` (equals, isTrue, isFalse, and, …), `textFilter`,
 * `select` (id, the order attribute and createdById come along, as observed §6.20), `orderBy`/`order`
 * (default `createdAt` desc: `entityDefs/Attachment.json` collection; ties by `id` in the same direction,
 * `Core/Select/Order/Applier::applyOrder`), `offset`, `maxSize` (at most 200).
 * Deleted rows are not listed.
 */
export function listAttachments(ctx: ApiContext): JsonObject {
	if (!ctx.acl.isAdmin) throw forbidden('');
	const params = parseSearchParams(ctx.query);
	const maxSize = params.maxSize || LIST_MAX_SIZE;
	if (maxSize > LIST_MAX_SIZE) throw forbidden(`Max size should not exceed ${LIST_MAX_SIZE}. Use offset and limit.`);
	const orderBy = params.orderBy ?? 'createdAt';
	const direction = (params.order ?? (params.orderBy ? 'asc' : 'desc')) === 'desc' ? -1 : 1;
	const views = [...ctx.store.attachments.values()]
		.filter((a) => !a.deleted)
		.map((a) => attachmentView(ctx, a))
		.filter((view) => params.where.every((item) => matchesWhere(view, item)))
		.filter((view) => !params.textFilter || matchesTextFilter(view, params.textFilter))
		.sort((a, b) => direction * (compareForOrder(a[orderBy], b[orderBy]) || compareForOrder(a.id, b.id)));
	const page = views.slice(params.offset, params.offset + maxSize);
	return { total: views.length, list: params.select ? page.map((view) => selected(view, params.select!, orderBy)) : page };
}

const LIST_MAX_SIZE = 200; // recordListMaxSizeLimit (observed §6.25)

/** `select`: id, the order attribute and createdById first, then the selection; `<x>Id` brings `<x>Name` (observed §6.20). */
function selected(view: JsonObject, select: string[], orderBy: string): JsonObject {
	const out: JsonObject = { id: view.id };
	const add = (name: string) => {
		if (name in view && !(name in out)) out[name] = view[name];
	};
	add(orderBy);
	add('createdById');
	for (const attribute of select) {
		add(attribute);
		if (attribute.endsWith('Id')) add(`${attribute.slice(0, -2)}Name`);
	}
	return out;
}

/** The download's content type as PHP sends it (observed §4.01, §4.02, §4.05). */
function downloadContentType(type: string | null): [name: string, value: string] {
	if (!type) return ['Content-Type', 'application/json']; // Espo's default, on raw bytes
	// PHP appends the charset to text/* and then spells the header `Content-type`.
	if (/^text\//i.test(type) && !/charset=/i.test(type)) return ['Content-type', `${type};charset=UTF-8`];
	return ['Content-Type', type];
}

/** GET (and HEAD) Attachment/file/{id}: raw bytes streamed from disk; errors are family B. */
export function sendAttachmentFile(ctx: ApiContext, res: ServerResponse): void {
	const attachment = loadReadable(ctx, ctx.params.id, '');
	if (!ctx.store.hasFile(attachment)) throw new EspoError(500, null); // a deleted file (observed §5.11f)
	const size = ctx.store.fileSize(attachment);
	res.statusCode = 200;
	// The name goes out raw: UTF-8 bytes, quotes unescaped (observed §4.03, §4.04).
	const disposition = `attachment; filename="${attachment.name ?? ''}"`;
	res.setHeader('Content-Disposition', Buffer.from(disposition, 'utf8').toString('latin1'));
	res.setHeader('Content-Length', String(size));
	const [ctName, ctValue] = downloadContentType(attachment.type);
	res.setHeader(ctName, ctValue);
	setEspoHeaders(res);
	if (ctx.method === 'HEAD' || size === 0) {
		res.end();
		return;
	}
	// Range is ignored (observed §4.10): always the whole file.
	const stream = fs.createReadStream(ctx.store.filePath(attachment), { end: size - 1 });
	stream.on('error', () => res.destroy());
	stream.pipe(res);
}

// --- DELETE and copy ----------------------------------------------------------------------------

export function deleteAttachment(ctx: ApiContext): boolean {
	const id = ctx.params.id;
	const attachment = ctx.store.attachment(id);
	if (!attachment) throw notFound(`Record ${id} not found.`);
	if (!ctx.acl.canDeleteAttachment(attachment)) throw forbidden('No delete access.');
	ctx.store.removeAttachment(attachment);
	return true;
}

/** A new row sharing the stored file through `sourceId` (api §5.3). */
export function postCopy(ctx: ApiContext): JsonObject {
	const data = parsedBody(ctx);
	const field = stringOrNull(data.field);
	if (!field) throw badRequest('No `field`.');
	const parentType = stringOrNull(data.parentType);
	const relatedType = parentType ? null : stringOrNull(data.relatedType);
	const entityType = parentType ?? relatedType;
	if (!entityType) throw badRequest('No parentType and relatedType.');
	const source = loadReadable(ctx, ctx.params.id, '');
	checkUploadTarget(ctx.acl, ROLE_ATTACHMENT, entityType, field);
	const now = espoDateTime();
	const copy: AttachmentRow = {
		...source,
		id: newId(),
		deleted: false,
		field,
		createdAt: now,
		modifiedAt: now,
		role: ROLE_ATTACHMENT,
		parentId: null,
		parentType,
		relatedId: null,
		relatedType,
		sourceId: source.sourceId ?? source.id,
		createdById: ctx.user.id,
	};
	ctx.store.attachments.set(copy.id, copy);
	return copiedView(ctx, copy);
}

/** PUT/PATCH Attachment/{id}: own edit; parent, related, storage and the upload flag are stripped (api §5.2). */
export function putAttachment(ctx: ApiContext): JsonObject {
	const data = parsedBody(ctx);
	const id = ctx.params.id;
	const attachment = ctx.store.attachment(id);
	if (!attachment) throw notFound(`Record ${id} not found.`);
	if (!ctx.acl.canEditAttachment(attachment)) throw forbidden('No edit access.');
	if (typeof data.name === 'string' && data.name !== '') attachment.name = data.name;
	if (typeof data.type === 'string' || data.type === null) attachment.type = data.type;
	attachment.modifiedAt = espoDateTime();
	return attachmentView(ctx, attachment);
}
