// Records of the demo entity types: CRUD, list, File/Image and Attachment-Multiple fields, link checks,
// the relationship endpoint, optimistic concurrency and the duplicate check (observed §5, §6; api §6).
import { attachmentView } from './attachments';
import type { Acl } from './acl';
import { type ApiContext, header, type JsonObject, parsedBody, type Services } from './context';
import { badRequest, conflict, EspoError, espoDateTime, forbidden, notFound, validationFailure } from './http';
import { type EntityDef, entityDef, type FieldDef, fieldsOfType, hasOcc } from './metadata';
import { compareForOrder, matchesTextFilter, matchesWhere, parseSearchParams } from './search';
import { type AttachmentRow, newId, type RecordRow } from './store';
import { type EmulatorUser, userById } from './users';

// recordListMaxSizeLimit (observed §6.25).
const MAX_SIZE_LIMIT = 200;

// Attributes the client may not set (Service::filterCreateInput / filterUpdateInput).
const SYSTEM_ATTRIBUTES = ['id', 'deleted', 'createdAt', 'createdById', 'createdByName', 'modifiedAt', 'modifiedById', 'modifiedByName', 'versionNumber'];

interface RecordServices extends Services {
	acl: Acl;
	user: EmulatorUser;
}

function requireDef(entityType: string): EntityDef {
	const def = entityDef(entityType);
	if (!def) throw notFound(`Controller '${entityType}' does not exist.`);
	return def;
}

// --- views --------------------------------------------------------------------------------------

function foreignName(services: Services, entityType: string | undefined, id: unknown): string | null {
	if (!entityType || typeof id !== 'string') return null;
	if (entityType === 'User') return userById(id)?.name ?? null;
	if (entityType === 'Attachment') return services.store.attachment(id)?.name ?? null;
	const row = services.store.record(entityType, id);
	return row && typeof row.name === 'string' ? row.name : null;
}

/** Attribute → value for one field, in Espo's attribute naming (api §6.1, §6.2). */
function fieldAttributes(services: Services, entityType: string, row: RecordRow, field: string, def: FieldDef): JsonObject {
	const value = (attribute: string) => (row[attribute] === undefined ? null : row[attribute]);
	switch (def.type) {
		case 'file':
		case 'image':
			return { [`${field}Id`]: value(`${field}Id`), [`${field}Name`]: foreignName(services, 'Attachment', row[`${field}Id`]) };
		case 'link':
			return { [`${field}Id`]: value(`${field}Id`), [`${field}Name`]: foreignName(services, def.entity, row[`${field}Id`]) };
		case 'linkParent': {
			const type = row[`${field}Type`];
			return {
				[`${field}Id`]: value(`${field}Id`),
				[`${field}Type`]: value(`${field}Type`),
				[`${field}Name`]: foreignName(services, typeof type === 'string' ? type : undefined, row[`${field}Id`]),
			};
		}
		case 'linkMultiple': {
			const ids = Array.isArray(row[`${field}Ids`]) ? (row[`${field}Ids`] as string[]) : [];
			return { [`${field}Ids`]: ids, [`${field}Names`]: Object.fromEntries(ids.map((id) => [id, foreignName(services, def.entity, id)])) };
		}
		case 'attachmentMultiple': {
			const list = services.store.childAttachments(entityType, row.id, field);
			return {
				[`${field}Ids`]: list.map((a) => a.id),
				[`${field}Names`]: Object.fromEntries(list.map((a) => [a.id, a.name])),
				[`${field}Types`]: Object.fromEntries(list.map((a) => [a.id, a.type])),
			};
		}
		case 'currency':
			return { [field]: value(field), [`${field}Currency`]: value(`${field}Currency`) };
		default:
			return { [field]: value(field) };
	}
}

const LINKISH = ['file', 'image', 'link', 'linkParent'];

/** Lockable entity types of a stock 10.0.0 (`scopes.<E>.lockable` + a read-only `isLocked` field: only Account). */
const LOCKABLE_ENTITY_TYPES = ['Account'];

/** Record locking applies (10.0, api §6.4; E10 `Tools/Lock/LockMetadataProvider`). */
export function isLockable(services: Services, entityType: string): boolean {
	return services.profile.recordLocking && LOCKABLE_ENTITY_TYPES.includes(entityType);
}

/** The English label Espo's Language gives a field without its own translation: `billingAddress` → `Billing Address`. */
function fieldLabel(field: string): string {
	return field.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());
}
const MULTIPLE = ['linkMultiple', 'attachmentMultiple'];

/**
 * The record as `GET {Entity}/{id}` shows it: plain fields, createdAt/modifiedAt, link fields,
 * created/modified by, multiple-link fields, `versionNumber` where OCC is on (api §6.5).
 */
export function recordView(services: Services, entityType: string, row: RecordRow, options: { multiple?: boolean } = {}): JsonObject {
	const def = requireDef(entityType);
	const fields = Object.entries(def.fields).filter(([field]) => field !== 'name');
	const view: JsonObject = { id: row.id, name: row.name ?? null, deleted: row.deleted };
	for (const [field, fd] of fields) if (!LINKISH.includes(fd.type) && !MULTIPLE.includes(fd.type)) Object.assign(view, fieldAttributes(services, entityType, row, field, fd));
	if (isLockable(services, entityType)) view.isLocked = row.isLocked === true; // E10 entityDefs/Account.json: before createdAt
	view.createdAt = row.createdAt ?? null;
	view.modifiedAt = row.modifiedAt ?? null;
	for (const [field, fd] of fields) if (LINKISH.includes(fd.type) && field !== 'assignedUser') Object.assign(view, fieldAttributes(services, entityType, row, field, fd));
	view.createdById = row.createdById ?? null;
	view.createdByName = foreignName(services, 'User', row.createdById);
	view.modifiedById = row.modifiedById ?? null;
	view.modifiedByName = foreignName(services, 'User', row.modifiedById);
	if (def.fields.assignedUser) Object.assign(view, fieldAttributes(services, entityType, row, 'assignedUser', def.fields.assignedUser));
	if (options.multiple !== false) {
		for (const [field, fd] of fields) if (MULTIPLE.includes(fd.type)) Object.assign(view, fieldAttributes(services, entityType, row, field, fd));
	}
	if (hasOcc(services.profile, entityType)) view.versionNumber = row.versionNumber ?? null;
	return view;
}

/** List items with `select`: id, the order attribute and the ACL attributes first, then the selection (observed §6.20). */
function selectedView(full: JsonObject, def: EntityDef, select: string[], orderBy: string): JsonObject {
	const view: JsonObject = { id: full.id };
	const add = (attribute: string) => {
		if (attribute in full && !(attribute in view)) view[attribute] = full[attribute];
	};
	add(orderBy);
	add('createdById');
	if (def.fields.assignedUser) add('assignedUserId');
	for (const attribute of select) {
		add(attribute);
		if (attribute.endsWith('Ids')) {
			add(`${attribute.slice(0, -3)}Names`);
			add(`${attribute.slice(0, -3)}Types`);
		} else if (attribute.endsWith('Id')) {
			add(`${attribute.slice(0, -2)}Name`);
		}
	}
	return view;
}

// --- input --------------------------------------------------------------------------------------

/** The attributes of the entity type that input may carry (unknown ones are ignored, as the ORM does). */
function inputAttributes(def: EntityDef): Map<string, string> {
	const attributes = new Map<string, string>();
	for (const [field, fd] of Object.entries(def.fields)) {
		if (fd.readOnly) continue;
		switch (fd.type) {
			case 'file':
			case 'image':
			case 'link':
				attributes.set(`${field}Id`, field);
				break;
			case 'linkParent':
				attributes.set(`${field}Id`, field).set(`${field}Type`, field);
				break;
			case 'linkMultiple':
			case 'attachmentMultiple':
				attributes.set(`${field}Ids`, field);
				break;
			case 'currency':
				attributes.set(field, field).set(`${field}Currency`, field);
				break;
			default:
				attributes.set(field, field);
		}
	}
	return attributes;
}

/** filterInput: system and read-only attributes go, and so do fields the user may not edit (silently). */
function filterInput(services: RecordServices, entityType: string, def: EntityDef, data: JsonObject): JsonObject {
	const allowed = inputAttributes(def);
	const input: JsonObject = {};
	for (const [attribute, value] of Object.entries(data)) {
		if (SYSTEM_ATTRIBUTES.includes(attribute)) continue;
		const field = allowed.get(attribute);
		if (!field) continue;
		if (!services.acl.canEditField(entityType, field)) continue;
		input[attribute] = value;
	}
	return input;
}

function isEmpty(value: unknown): boolean {
	return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

/** Required fields (observed §5.01–5.03, §5.10). On update only the fields the input touches. */
function validateRequired(entityType: string, def: EntityDef, merged: JsonObject, touched: Set<string> | null): void {
	for (const [field, fd] of Object.entries(def.fields)) {
		if (!fd.required || (touched && !touched.has(field))) continue;
		const attribute = ['file', 'image', 'link', 'linkParent'].includes(fd.type) ? `${field}Id` : MULTIPLE.includes(fd.type) ? `${field}Ids` : field;
		if (isEmpty(merged[attribute])) throw validationFailure(entityType, field);
	}
}

function touchedFields(def: EntityDef, input: JsonObject): Set<string> {
	const attributes = inputAttributes(def);
	return new Set(Object.keys(input).map((a) => attributes.get(a) ?? a));
}

/** LinkCheck for attachment ids (observed §5.12–5.14, api §6.1/6.2): each new id must exist and be readable. */
function checkAttachmentLink(services: RecordServices, entityType: string, link: string, id: unknown): AttachmentRow {
	const attachment = typeof id === 'string' ? services.store.attachment(id) : undefined;
	if (!attachment) {
		throw forbidden(`Can't relate with non-existing record. entity type: ${entityType}, link: ${link}.`, {
			messageTranslation: { label: 'cannotRelateNonExisting', scope: null, data: { foreignEntityType: 'Attachment' } },
		});
	}
	if (!services.acl.canReadAttachment(attachment)) {
		throw forbidden(`No foreign record access for link operation (${entityType}:${link}).`, {
			messageTranslation: { label: 'cannotRelateForbidden', scope: null, data: { foreignEntityType: 'Attachment', action: 'read' } },
		});
	}
	return attachment;
}

interface PendingLinks {
	files: { field: string; attachment: AttachmentRow | null }[];
	multiples: { field: string; attachments: AttachmentRow[] }[];
}

/** Link checks for every File/Image id that changes and every newly added Attachment-Multiple id. */
function checkLinks(services: RecordServices, entityType: string, def: EntityDef, input: JsonObject, current: RecordRow | null): PendingLinks {
	const pending: PendingLinks = { files: [], multiples: [] };
	for (const [field, fd] of Object.entries(def.fields)) {
		if (fd.type === 'file' || fd.type === 'image') {
			const attribute = `${field}Id`;
			if (!(attribute in input)) continue;
			const id = input[attribute];
			if (current && current[attribute] === id) continue;
			pending.files.push({ field, attachment: isEmpty(id) ? null : checkAttachmentLink(services, entityType, field, id) });
		} else if (fd.type === 'attachmentMultiple') {
			const attribute = `${field}Ids`;
			if (!(attribute in input)) continue;
			const ids = Array.isArray(input[attribute]) ? (input[attribute] as unknown[]) : [];
			const existing = current ? services.store.childAttachments(entityType, current.id, field).map((a) => a.id) : [];
			const attachments = ids.map((id) =>
				typeof id === 'string' && existing.includes(id) ? services.store.attachment(id)! : checkAttachmentLink(services, entityType, field, id),
			);
			pending.multiples.push({ field, attachments });
		}
	}
	return pending;
}

/**
 * After save: File/Image → the attachment's `related` is the record, the previous one is DELETED
 * (observed §5.06–5.11); Attachment-Multiple → the list is replaced, left-out ids are unlinked
 * (parentId/parentType null, not deleted, observed §5.19–5.20), new ids are (re-)parented (api §6.2).
 */
function applyLinks(services: Services, entityType: string, row: RecordRow, pending: PendingLinks, previous: RecordRow | null): void {
	for (const { field, attachment } of pending.files) {
		const previousId = previous?.[`${field}Id`];
		if (typeof previousId === 'string' && previousId !== attachment?.id) {
			const old = services.store.attachment(previousId);
			if (old) services.store.removeAttachment(old);
		}
		if (attachment) {
			attachment.relatedId = row.id;
			attachment.relatedType = entityType;
			attachment.modifiedAt = espoDateTime(); // File\Saver saves the attachment (Attachment-Multiple relates by a plain UPDATE)
		}
	}
	for (const { field, attachments } of pending.multiples) {
		const keep = new Set(attachments.map((a) => a.id));
		for (const old of services.store.childAttachments(entityType, row.id, field)) {
			if (!keep.has(old.id)) {
				old.parentId = null;
				old.parentType = null;
			}
		}
		for (const attachment of attachments) {
			attachment.parentId = row.id;
			attachment.parentType = entityType;
		}
	}
}

function applyDefaults(def: EntityDef, input: JsonObject): JsonObject {
	const withDefaults: JsonObject = {};
	for (const [field, fd] of Object.entries(def.fields)) if (fd.default !== undefined && input[field] === undefined) withDefaults[field] = fd.default;
	return { ...withDefaults, ...input };
}

/** The stored part of the input: Attachment-Multiple ids live on the attachments (parentId), not on the record. */
function rowFromInput(entityType: string, input: JsonObject): JsonObject {
	const onAttachments = new Set(fieldsOfType(entityType, 'attachmentMultiple').map((f) => `${f}Ids`));
	return Object.fromEntries(Object.entries(input).filter(([attribute]) => !onAttachments.has(attribute)));
}

// --- duplicates ---------------------------------------------------------------------------------

function findDuplicates(services: Services, entityType: string, def: EntityDef, data: JsonObject): RecordRow[] {
	if (!def.duplicateCheck) return [];
	const same = (a: unknown, b: unknown) => typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
	return [...services.store.table(entityType).values()].filter(
		(row) => !row.deleted && def.duplicateCheck!.every((attribute) => !isEmpty(data[attribute]) && same(row[attribute], data[attribute])),
	);
}

// --- create / read / update / delete ------------------------------------------------------------

export interface CreateOptions {
	skipDuplicateCheck?: boolean;
}

/** Service::create: scope check, input filter, defaults, validation, link check, duplicate check, save. */
export function createRecord(services: RecordServices, entityType: string, data: JsonObject, options: CreateOptions = {}): JsonObject {
	const def = requireDef(entityType);
	if (!services.acl.checkScope(entityType, 'create')) throw forbidden('');
	const input = applyDefaults(def, filterInput(services, entityType, def, data));
	validateRequired(entityType, def, input, null);
	const pending = checkLinks(services, entityType, def, input, null);
	if (!options.skipDuplicateCheck) {
		const duplicates = findDuplicates(services, entityType, def, input);
		// 409 `duplicate`, body = the duplicates as a JSON array (observed §5.41).
		if (duplicates.length > 0) throw conflict('duplicate', duplicates.map((row) => recordView(services, entityType, row, { multiple: false })));
	}
	const now = espoDateTime();
	const row: RecordRow = {
		...rowFromInput(entityType, input),
		id: newId(),
		deleted: false,
		createdAt: now,
		modifiedAt: now,
		createdById: services.user.id,
	};
	for (const [field, fd] of Object.entries(def.fields)) if (fd.type === 'autoincrement') row[field] = services.store.nextNumber(entityType);
	if (hasOcc(services.profile, entityType)) row.versionNumber = 1;
	services.store.table(entityType).set(row.id, row);
	applyLinks(services, entityType, row, pending, null);
	const view = recordView(services, entityType, row);
	services.webhooks?.afterCreate(entityType, def, view, input, services.user.id); // observed §10.2 W1, W11
	return view;
}

/**
 * CreateParamsFetcher: the header wins; else the first body flag that is set. `_skipDuplicateCheck`
 * in every line; `skipDuplicateCheck` and `forceDuplicate` only until 9.1.0, which removed them
 * (observed §5.44, §9: 9.1.7 and 9.3.10 answer 409 duplicate despite `skipDuplicateCheck: true`).
 */
function isSkipDuplicateCheck(ctx: ApiContext, data: JsonObject): boolean {
	const value = header(ctx, 'x-skip-duplicate-check');
	if (value !== undefined) return value.toLowerCase() === 'true';
	const flags = ctx.profile.bodySkipDuplicateCheck ? ['_skipDuplicateCheck', 'skipDuplicateCheck', 'forceDuplicate'] : ['_skipDuplicateCheck'];
	const flag = flags.map((name) => data[name]).find((v) => v !== undefined && v !== null);
	return flag === true;
}

export function postRecord(ctx: ApiContext, entityType: string): JsonObject {
	requireDef(entityType);
	const data = parsedBody(ctx);
	return createRecord(ctx, entityType, data, { skipDuplicateCheck: isSkipDuplicateCheck(ctx, data) });
}

/** getEntity(): admins also get deleted records. */
function loadForRead(ctx: ApiContext, entityType: string, id: string): RecordRow {
	if (!ctx.acl.checkScope(entityType, 'read')) throw forbidden('');
	if (id.includes('/')) throw notFound(''); // observed §6.34
	const row = ctx.store.table(entityType).get(id);
	if (!row || (row.deleted && !ctx.acl.isAdmin)) throw notFound(`Record ${id} does not exist.`);
	if (!ctx.acl.checkRecord(entityType, row, 'read')) throw forbidden("No 'read' access.");
	return row;
}

export function getRecord(ctx: ApiContext, entityType: string): JsonObject {
	requireDef(entityType);
	return recordView(ctx, entityType, loadForRead(ctx, entityType, ctx.params.id));
}

/** Service::processConcurrencyControl (observed §5.36–5.38): only attributes that would change conflict. */
function checkConcurrency(ctx: ApiContext, entityType: string, current: JsonObject, input: JsonObject): void {
	const headerValue = header(ctx, 'x-version-number');
	if (headerValue === undefined || !hasOcc(ctx.profile, entityType)) return;
	const versionNumber = Number.parseInt(headerValue, 10);
	if (versionNumber === current.versionNumber) return;
	const values: JsonObject = {};
	for (const [attribute, value] of Object.entries(input)) {
		const now = current[attribute] === undefined ? null : current[attribute];
		if (JSON.stringify(now) !== JSON.stringify(value)) values[attribute] = now;
	}
	if (Object.keys(values).length > 0) throw conflict('modified', { values, versionNumber: current.versionNumber });
}

/**
 * The default time a non-atomic OCC update (`profile.occAtomic` false) waits between its version check
 * and its write: PHP's window between loading the record and the UPDATE (validation, hooks, the save).
 * A second PUT checked inside it passes the same check (observed §9: two PUTs with the same
 * X-Version-Number both 200 on 9.1.7 and 9.3.10). 50 ms is an estimate of a real server's window, not
 * a measurement; `startEmulator({ occRaceWindowMs })` / `setOccRaceWindow()` change it.
 */
export const OCC_RACE_WINDOW_MS = 50;

export function updateRecord(ctx: ApiContext, entityType: string): JsonObject | Promise<JsonObject> {
	const def = requireDef(entityType);
	const id = ctx.params.id;
	const data = parsedBody(ctx);
	if (!ctx.acl.checkScope(entityType, 'edit')) throw forbidden('');
	const input = filterInput(ctx, entityType, def, data);
	const row = ctx.store.record(entityType, id);
	if (!row) throw notFound(`Record ${id} not found.`); // "not found", where GET says "does not exist" (observed §6.40)
	if (!ctx.acl.checkRecord(entityType, row, 'edit')) throw forbidden('No edit access.');
	const current = recordView(ctx, entityType, row);
	checkConcurrency(ctx, entityType, current, input);
	validateRequired(entityType, def, { ...current, ...input }, touchedFields(def, input));
	checkLocked(ctx, entityType, def, row, current, input);
	// VersionNumber\BeforeSaveProcessor: the fetched number + 1, whatever was saved meanwhile.
	const fetchedVersion = typeof row.versionNumber === 'number' ? row.versionNumber : 0;
	const write = (): JsonObject => {
		const pending = checkLinks(ctx, entityType, def, input, row);
		const previous: RecordRow = { ...row };
		Object.assign(row, rowFromInput(entityType, input), { modifiedAt: espoDateTime(), modifiedById: ctx.user.id });
		if (hasOcc(ctx.profile, entityType)) row.versionNumber = fetchedVersion + 1;
		// LinkMultipleSaver reads the current links at save time: the last writer's list wins.
		applyLinks(ctx, entityType, row, pending, previous);
		const after = recordView(ctx, entityType, row);
		ctx.webhooks?.afterUpdate(entityType, def, current, after, ctx.user.id); // observed §10.2 W2, W5, W9
		return after;
	};
	const checked = header(ctx, 'x-version-number') !== undefined && hasOcc(ctx.profile, entityType);
	if (!checked || ctx.profile.occAtomic) return write();
	return new Promise((resolve) => setTimeout(resolve, ctx.occRaceWindowMs)).then(write);
}

/**
 * 10.0 record locking, the record-service hook (E10 `Tools/Lock/LockValidationHelper::validateBeforeSave`):
 * on a locked record, changing any field that is not read-only → 409 `cannotModifyLockedRecord`
 * (ConflictSilent: the label in X-Status-Reason, a messageTranslation body naming the field's label).
 */
function checkLocked(ctx: ApiContext, entityType: string, def: EntityDef, row: RecordRow, current: JsonObject, input: JsonObject): void {
	if (!isLockable(ctx, entityType) || row.isLocked !== true) return;
	const attributes = inputAttributes(def);
	for (const [attribute, value] of Object.entries(input)) {
		const field = attributes.get(attribute);
		if (!field || field === 'assignedUser') continue;
		const now = current[attribute] === undefined ? null : current[attribute];
		if (JSON.stringify(now) === JSON.stringify(value)) continue;
		throw conflict('cannotModifyLockedRecord', {
			messageTranslation: { label: 'cannotModifyLockedRecord', scope: null, data: { field: fieldLabel(field) } },
		});
	}
}

export function deleteRecord(ctx: ApiContext, entityType: string): boolean {
	requireDef(entityType);
	const id = ctx.params.id;
	if (!ctx.acl.checkScope(entityType, 'delete')) throw forbidden('');
	const row = ctx.store.record(entityType, id);
	if (!row) throw notFound(`Record ${id} not found.`);
	if (!ctx.acl.checkRecord(entityType, row, 'delete')) throw forbidden('No delete access.');
	// 10.0: Lock\BeforeDeleteValidation (E10 `LockValidationHelper::validateBeforeRemove`).
	if (isLockable(ctx, entityType) && row.isLocked === true) {
		throw conflict('cannotRemoveLockedRecord', { messageTranslation: { label: 'cannotRemoveLockedRecord', scope: null, data: {} } });
	}
	row.deleted = true;
	ctx.webhooks?.afterDelete(entityType, id, ctx.user.id); // observed §10.5 X1
	return true;
}

// --- list ---------------------------------------------------------------------------------------

export function listRecords(ctx: ApiContext, entityType: string): JsonObject {
	const def = requireDef(entityType);
	const params = parseSearchParams(ctx.query);
	const maxSize = params.maxSize || MAX_SIZE_LIMIT;
	if (maxSize > MAX_SIZE_LIMIT) throw forbidden(`Max size should not exceed ${MAX_SIZE_LIMIT}. Use offset and limit.`);
	if (!ctx.acl.checkScope(entityType, 'read')) throw forbidden('');
	const orderBy = params.orderBy ?? def.orderBy;
	const direction = (params.order ?? (params.orderBy ? 'asc' : def.order)) === 'desc' ? -1 : 1;
	const views = [...ctx.store.table(entityType).values()]
		.filter((row) => !row.deleted && ctx.acl.checkRecord(entityType, row, 'read'))
		.map((row) => recordView(ctx, entityType, row))
		.filter((view) => params.where.every((item) => matchesWhere(view, item)))
		.filter((view) => !params.textFilter || matchesTextFilter(view, params.textFilter))
		// Ties are broken by id in the same direction (api: Select/Order/Applier adds ['id', $order]).
		.sort((a, b) => direction * (compareForOrder(a[orderBy], b[orderBy]) || compareForOrder(a.id, b.id)));
	const page = views.slice(params.offset, params.offset + maxSize);
	const multiple = fieldsOfType(entityType, 'linkMultiple', 'attachmentMultiple').flatMap((f) => [`${f}Ids`, `${f}Names`, `${f}Types`]);
	const list = page.map((view) => {
		if (params.select) return selectedView(view, def, params.select, orderBy);
		// Without `select`, multiple-link fields are not loaded (observed §6.22).
		return Object.fromEntries(Object.entries(view).filter(([attribute]) => !multiple.includes(attribute)));
	});
	return { total: views.length, list };
}

// --- relationship endpoint: {Entity}/{id}/{link} (observed §5.c, api §6.3c) ---------------------

function relationshipTarget(entityType: string, action: 'createLink' | 'removeLink' | 'listLinked'): EntityDef {
	const def = requireDef(entityType);
	if (def.relationshipActions === false && action !== 'listLinked') {
		const method = action === 'createLink' ? 'POST' : 'DELETE';
		throw notFound(`Action ${method} '${action}' does not exist in controller '${entityType}'.`);
	}
	return def;
}

function linkIds(data: JsonObject): string[] {
	const ids: string[] = [];
	if (data.id !== undefined && data.id !== null) ids.push(String(data.id));
	if (Array.isArray(data.ids)) ids.push(...data.ids.map(String));
	return ids;
}

/**
 * Service::link / unlink for a hasChildren attachments link: only parentId/parentType change. ⚠ No
 * webhook event and no modifiedAt change on the record (observed §10.2 W4, W6, W7).
 */
function changeLink(ctx: ApiContext, entityType: string, def: EntityDef, link: string, foreignId: string, relate: boolean): void {
	if (!ctx.acl.checkScope(entityType, 'read')) throw forbidden('');
	if (!ctx.acl.canEditField(entityType, link)) throw forbidden('');
	const row = ctx.store.record(entityType, ctx.params.id);
	if (!row) throw notFound('');
	if (!ctx.acl.checkRecord(entityType, row, 'edit')) throw forbidden('');
	if (def.fields[link]?.type !== 'attachmentMultiple') throw new EspoError(500, null);
	const attachment = ctx.store.attachment(foreignId);
	if (!attachment) throw notFound(''); // observed §5.29
	if (!ctx.acl.canEditAttachment(attachment)) {
		throw forbidden(`No foreign record access for link operation (${entityType}:${link}).`, {
			messageTranslation: { label: 'noAccessToForeignRecord', scope: null, data: { action: 'edit' } },
		}); // observed §5.34
	}
	if (relate) {
		attachment.parentId = row.id;
		attachment.parentType = entityType;
	} else if (attachment.parentId === row.id && attachment.parentType === entityType) {
		attachment.parentId = null;
		attachment.parentType = null;
	}
}

export function postLink(ctx: ApiContext, entityType: string): boolean {
	const def = relationshipTarget(entityType, 'createLink');
	const ids = linkIds(parsedBody(ctx));
	for (const id of ids) changeLink(ctx, entityType, def, ctx.params.link, id, true);
	return ids.length > 0; // `{}` → 200 false (observed §5.30)
}

export function deleteLink(ctx: ApiContext, entityType: string): boolean {
	const def = relationshipTarget(entityType, 'removeLink');
	const ids = linkIds(parsedBody(ctx));
	if (ids.length === 0) throw badRequest('');
	for (const id of ids) changeLink(ctx, entityType, def, ctx.params.link, id, false);
	return true;
}

export function listLinked(ctx: ApiContext, entityType: string): JsonObject {
	const def = relationshipTarget(entityType, 'listLinked');
	if (!ctx.acl.checkScope(entityType, 'read')) throw forbidden('No access.');
	const row = ctx.store.record(entityType, ctx.params.id);
	if (!row) throw notFound('');
	const link = ctx.params.link;
	if (def.fields[link]?.type !== 'attachmentMultiple') throw new EspoError(500, null);
	const list = ctx.store.childAttachments(entityType, row.id, link);
	return { total: list.length, list: list.map((a) => attachmentView(ctx, a)) };
}

// --- POST Action (E10 `Core/Action/Api/PostProcess`, an action class: family B errors) ----------

/**
 * `POST Action {action, entityType, id}`. The emulator knows the 10.0 actions `lock` and `unlock`
 * (E10 `Core/Action/Actions/Lock.php`, `Tools/Lock/LockService`); any other action, and these before
 * 10.0, is 404 `Action '<a>' not found.` (ActionFactory::create). Answers the record, as `read` does.
 */
export function postAction(ctx: ApiContext): JsonObject {
	const data = parsedBody(ctx);
	const entityType = typeof data.entityType === 'string' ? data.entityType : '';
	const action = typeof data.action === 'string' ? data.action : '';
	const id = typeof data.id === 'string' ? data.id : '';
	if (!entityType || !action || !id) throw badRequest('');
	if (!entityDef(entityType) || !ctx.acl.checkScope(entityType, 'read')) throw forbidden('');
	const known = ctx.profile.recordLocking && (action === 'lock' || action === 'unlock');
	if (!known) throw notFound(`Action '${action}' not found.`);
	if (!isLockable(ctx, entityType)) throw forbidden('Not enabled.');
	// LockService::isAllowed: edit access and the `lock` permission (admins; the demo roles have none).
	if (!ctx.acl.checkScope(entityType, 'edit') || !ctx.acl.isAdmin) throw forbidden('Not allowed.');
	const row = ctx.store.record(entityType, id);
	if (!row) throw notFound(`Record ${id} does not exist.`);
	const lock = action === 'lock';
	if ((row.isLocked === true) === lock) throw badRequest(lock ? 'Already locked.' : 'Already unlocked.');
	Object.assign(row, { isLocked: lock, modifiedAt: espoDateTime(), modifiedById: ctx.user.id });
	return recordView(ctx, entityType, row);
}
