// Entity definitions of the demo entity types and `GET Metadata` (observed §6.12–6.19, api §3.3).
import type { Profile } from './profiles';
import type { EmulatorUser } from './users';

export interface FieldDef {
	type: string;
	required?: boolean;
	readOnly?: boolean;
	accept?: string[];
	/** MB, overrides `attachmentUploadMaxSize` (api §3.2). */
	maxFileSize?: number;
	options?: string[];
	default?: unknown;
	view?: string;
	/** For link fields: the foreign entity type. */
	entity?: string;
	[param: string]: unknown;
}

export interface EntityDef {
	fields: Record<string, FieldDef>;
	/** Default list order (`collection.orderBy`/`order`). */
	orderBy: string;
	order: 'asc' | 'desc';
	/** Attributes a create with the same values finds as duplicates (observed §5.e). */
	duplicateCheck?: string[];
	/** Whether the record controller has createLink/removeLink (observed §5.28: Note does not). */
	relationshipActions?: boolean;
	/** Always-on OCC (KnowledgeBaseArticle), beside the profile's list. */
	occ?: boolean;
}

const DOCUMENT_ACCEPT = ['.pdf', '.odt', '.ods', '.odp', '.docx', '.xlsx', '.pptx', '.doc', '.xls', '.ppt', '.rtf', '.csv', '.md', '.txt'];

const assignedUser: FieldDef = { type: 'link', entity: 'User', view: 'views/fields/assigned-user' };
const teams: FieldDef = { type: 'linkMultiple', entity: 'Team', view: 'views/fields/teams' };
const attachments: FieldDef = { type: 'attachmentMultiple', view: 'views/fields/attachment-multiple' };
const description: FieldDef = { type: 'text' };

export const ENTITY_DEFS: Readonly<Record<string, EntityDef>> = {
	Document: {
		orderBy: 'createdAt',
		order: 'desc',
		fields: {
			name: { type: 'varchar', required: true, maxLength: 255 },
			status: { type: 'enum', options: ['Active', 'Draft', 'Expired', 'Canceled'], default: 'Active' },
			type: { type: 'enum', options: ['', 'Contract', 'NDA', 'EULA', 'License Agreement'], default: '' },
			publishDate: { type: 'date', required: true },
			expirationDate: { type: 'date' },
			description,
			file: { type: 'file', required: true, view: 'crm:views/document/fields/file', accept: DOCUMENT_ACCEPT },
			folder: { type: 'link', entity: 'DocumentFolder' },
			assignedUser,
			teams,
		},
	},
	Note: {
		orderBy: 'createdAt',
		order: 'desc',
		relationshipActions: false,
		fields: {
			name: { type: 'varchar' },
			post: { type: 'text' },
			data: { type: 'jsonObject' },
			type: { type: 'varchar', default: 'Post' },
			parent: { type: 'linkParent' },
			attachments: { type: 'attachmentMultiple', view: 'views/stream/fields/attachment-multiple' },
			isInternal: { type: 'bool', default: false },
			teams,
			users: { type: 'linkMultiple', entity: 'User' },
		},
	},
	Case: {
		orderBy: 'number',
		order: 'desc',
		fields: {
			name: { type: 'varchar', required: true, maxLength: 255 },
			number: { type: 'autoincrement', readOnly: true },
			status: { type: 'enum', options: ['New', 'Assigned', 'Pending', 'Closed', 'Rejected', 'Duplicate'], default: 'New' },
			priority: { type: 'enum', options: ['Low', 'Normal', 'High', 'Urgent'], default: 'Normal' },
			type: { type: 'enum', options: ['', 'Question', 'Incident', 'Problem'], default: '' },
			description,
			account: { type: 'link', entity: 'Account' },
			attachments,
			assignedUser,
			teams,
		},
	},
	Account: {
		orderBy: 'createdAt',
		order: 'desc',
		duplicateCheck: ['name'],
		fields: {
			name: { type: 'varchar', required: true, maxLength: 249 },
			website: { type: 'url' },
			type: { type: 'enum', options: ['', 'Customer', 'Investor', 'Partner', 'Reseller'], default: '' },
			industry: { type: 'enum', options: ['', 'Advertising', 'Software', 'Other'], default: '' },
			description,
			assignedUser,
			teams,
		},
	},
	Task: {
		orderBy: 'createdAt',
		order: 'desc',
		fields: {
			name: { type: 'varchar', required: true, maxLength: 255 },
			status: { type: 'enum', options: ['Not Started', 'Started', 'Completed', 'Canceled', 'Deferred'], default: 'Not Started' },
			priority: { type: 'enum', options: ['Low', 'Normal', 'High', 'Urgent'], default: 'Normal' },
			dateEnd: { type: 'datetimeOptional' },
			description,
			parent: { type: 'linkParent' },
			attachments,
			assignedUser,
			teams,
		},
	},
	KnowledgeBaseArticle: {
		orderBy: 'createdAt',
		order: 'desc',
		occ: true,
		fields: {
			name: { type: 'varchar', required: true, maxLength: 255 },
			status: { type: 'enum', options: ['Draft', 'In Review', 'Published', 'Archived'], default: 'Draft' },
			language: { type: 'enum', options: [''], default: '' },
			body: { type: 'wysiwyg' },
			attachments,
			assignedUser,
			teams,
		},
	},
	Opportunity: {
		orderBy: 'createdAt',
		order: 'desc',
		fields: {
			name: { type: 'varchar', required: true, maxLength: 255 },
			amount: { type: 'currency', required: true },
			stage: {
				type: 'enum',
				options: ['Prospecting', 'Qualification', 'Proposal', 'Negotiation', 'Closed Won', 'Closed Lost'],
				default: 'Prospecting',
			},
			closeDate: { type: 'date', required: true },
			description,
			account: { type: 'link', entity: 'Account' },
			assignedUser,
			teams,
		},
	},
	User: {
		orderBy: 'userName',
		order: 'asc',
		fields: {
			userName: { type: 'varchar', required: true },
			name: { type: 'personName' },
			type: { type: 'enum', options: ['regular', 'admin', 'portal', 'system', 'super-admin', 'api'] },
			avatar: { type: 'image', view: 'views/user/fields/avatar' },
		},
	},
	// A custom entity (the `C` prefix is what Entity Manager gives custom types).
	CInspection: {
		orderBy: 'createdAt',
		order: 'desc',
		fields: {
			name: { type: 'varchar', required: true, maxLength: 255 },
			description,
			photo: { type: 'image' },
			report: { type: 'file', accept: ['.pdf'], maxFileSize: 10 },
			attachments,
			photos: { type: 'attachmentMultiple', accept: ['image/*'] },
			assignedUser,
			teams,
		},
	},
	// A custom entity whose admin turned on optimistic concurrency (Entity Manager param
	// `optimisticConcurrencyControl`, api §6.4) and whose controller has no createLink/removeLink
	// (a custom controller, as Note's, observed §5.28): appends to `attachments` can only go through
	// read-change-write with `X-Version-Number`.
	CWorkOrder: {
		orderBy: 'createdAt',
		order: 'desc',
		occ: true,
		relationshipActions: false,
		fields: {
			name: { type: 'varchar', required: true, maxLength: 255 },
			description,
			attachments,
			assignedUser,
			teams,
		},
	},
};

/** Scopes that are not record types but still appear in `scopes` (a small sample of the real 83). */
const OTHER_SCOPES: Record<string, Record<string, unknown>> = {
	Attachment: { entity: true, object: false, acl: false, tab: false },
	Team: { entity: true, object: true, acl: true, tab: false },
	Settings: { entity: false, acl: false },
};

export function entityDef(entityType: string | null | undefined): EntityDef | undefined {
	return entityType ? (ENTITY_DEFS as Record<string, EntityDef | undefined>)[entityType] : undefined;
}

export function fieldDef(entityType: string | null | undefined, field: string | null | undefined): FieldDef | undefined {
	if (!field) return undefined;
	return entityDef(entityType)?.fields[field];
}

export function hasOcc(profile: Profile, entityType: string): boolean {
	return Boolean(entityDef(entityType)?.occ) || profile.occEntityTypes.includes(entityType);
}

/** Fields of the given type, e.g. every `attachmentMultiple` field of Case. */
export function fieldsOfType(entityType: string, ...types: string[]): string[] {
	const def = entityDef(entityType);
	if (!def) return [];
	return Object.keys(def.fields).filter((f) => types.includes(def.fields[f].type));
}

// The MIME map of `app.file.extensionMimeTypeMap` (api §3.3), the part that matters for uploads.
export const EXTENSION_MIME_TYPES: Readonly<Record<string, string>> = {
	txt: 'text/plain',
	csv: 'text/csv',
	md: 'text/markdown',
	html: 'text/html',
	xml: 'application/xml',
	json: 'application/json',
	pdf: 'application/pdf',
	odt: 'application/vnd.oasis.opendocument.text',
	ods: 'application/vnd.oasis.opendocument.spreadsheet',
	odp: 'application/vnd.oasis.opendocument.presentation',
	doc: 'application/msword',
	docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
	xls: 'application/vnd.ms-excel',
	xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
	ppt: 'application/vnd.ms-powerpoint',
	pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
	rtf: 'application/rtf',
	zip: 'application/zip',
	gz: 'application/gzip',
	bin: 'application/octet-stream',
	png: 'image/png',
	jpg: 'image/jpeg',
	jpeg: 'image/jpeg',
	gif: 'image/gif',
	webp: 'image/webp',
	svg: 'image/svg+xml',
	avif: 'image/avif',
	bmp: 'image/bmp',
	tif: 'image/tiff',
	tiff: 'image/tiff',
	mp3: 'audio/mpeg',
	wav: 'audio/wav',
	mp4: 'video/mp4',
	webm: 'video/webm',
};

/** `app.image.allowedFileTypeList` (api §3.3). */
export const IMAGE_TYPES: readonly string[] = ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/svg+xml', 'image/avif'];

// --- GET Metadata ------------------------------------------------------------------------------

export interface MetadataAccess {
	user: EmulatorUser;
	canRead(entityType: string): boolean;
}

function entityDefsJson(profile: Profile, entityType: string, def: EntityDef): Record<string, unknown> {
	const fields: Record<string, unknown> = {};
	for (const [name, field] of Object.entries(def.fields)) fields[name] = { ...field };
	const json: Record<string, unknown> = {
		fields,
		collection: { orderBy: def.orderBy, order: def.order },
	};
	if (hasOcc(profile, entityType)) json.optimisticConcurrencyControl = true;
	if (def.duplicateCheck) json.duplicateCheckFieldList = def.duplicateCheck;
	return json;
}

const CUSTOM_TYPES = ['CInspection', 'CWorkOrder'];

function scopeJson(entityType: string): Record<string, unknown> {
	return {
		entity: true,
		object: true,
		acl: true,
		tab: entityType !== 'Note',
		module: CUSTOM_TYPES.includes(entityType) ? 'Custom' : 'Crm',
		customizable: true,
		stream: ['Case', 'Account', 'Opportunity', 'Task'].includes(entityType),
		isCustom: CUSTOM_TYPES.includes(entityType),
	};
}

/** The whole metadata object as the user sees it: types without read access are left out (observed §6.14–6.16). */
export function metadataFor(profile: Profile, access: MetadataAccess): Record<string, unknown> {
	const entityDefs: Record<string, unknown> = {};
	const scopes: Record<string, unknown> = { ...OTHER_SCOPES };
	for (const [entityType, def] of Object.entries(ENTITY_DEFS)) {
		if (!access.canRead(entityType)) continue;
		entityDefs[entityType] = entityDefsJson(profile, entityType, def);
		scopes[entityType] = scopeJson(entityType);
	}
	const metadata: Record<string, unknown> = {
		app: {
			image: { allowedFileTypeList: [...IMAGE_TYPES] },
			file: { extensionMimeTypeMap: { ...EXTENSION_MIME_TYPES } },
		},
		clientDefs: {},
		dashlets: {},
		entityAcl: {},
		entityDefs,
		fields: {
			file: { params: [{ name: 'required', type: 'bool' }, { name: 'accept', type: 'multiEnum' }, { name: 'maxFileSize', type: 'float' }] },
			image: { params: [{ name: 'required', type: 'bool' }, { name: 'maxFileSize', type: 'float' }] },
			attachmentMultiple: { params: [{ name: 'required', type: 'bool' }, { name: 'accept', type: 'multiEnum' }, { name: 'maxFileSize', type: 'float' }] },
		},
		integrations: {},
		scopes,
		themes: {},
		streamDefs: {},
	};
	if (access.user.type === 'admin') {
		metadata.authenticationMethods = { ApiKey: { api: true, credentialsHeader: 'X-Api-Key' }, Hmac: { api: true, credentialsHeader: 'X-Hmac-Authorization' } };
		metadata.recordDefs = {};
	}
	return metadata;
}

/** `?key=a.b.c`: the value at that path, or undefined (→ a 0-byte 200 body, observed §6.18). */
export function metadataByKey(metadata: Record<string, unknown>, key: string): unknown {
	let node: unknown = metadata;
	for (const part of key.split('.')) {
		if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, part)) return undefined;
		node = (node as Record<string, unknown>)[part];
	}
	return node;
}
