import type { IDataObject, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';


export type AttachmentFieldType = 'file' | 'image' | 'attachmentMultiple';
export const ATTACHMENT_FIELD_TYPES: AttachmentFieldType[] = ['file', 'image', 'attachmentMultiple'];

export interface FieldDef {
	type: string;
	required?: boolean;
	accept?: string[];
	maxFileSize?: number;
	readOnly?: boolean;
}

export type FieldDefs = Record<string, FieldDef>;

export interface AttachmentField {
	entityType: string;
	name: string;
	type: AttachmentFieldType;
	def: FieldDef;
}

export interface ServerSettings {
	/** Whether the server has chunked upload at all (EspoCRM 7.2+ tells its chunk size). */
	canChunk: boolean;
	/** Bytes per chunk; 0 when chunking is off on the server. */
	chunkSize: number;
	/** `attachmentUploadMaxSize` in bytes. */
	maxSize: number;
	/** `appParams.maxUploadSize` (PHP post_max_size) in bytes, when the server tells it. */
	maxUploadSize?: number;
	version?: string;
}

const MB = 1024 * 1024;

const FIELD_TYPE_NAMES: Record<AttachmentFieldType, string> = {
	file: 'File',
	image: 'Image',
	attachmentMultiple: 'Attachment-Multiple',
};

export function fieldTypeName(type: string): string {
	return FIELD_TYPE_NAMES[type as AttachmentFieldType] ?? type;
}

function withArticle(name: string): string {
	return `${/^[aeiou]/i.test(name) ? 'an' : 'a'} ${name}`;
}

function asObject(value: unknown): IDataObject | undefined {
	return value && typeof value === 'object' && !Array.isArray(value) ? (value as IDataObject) : undefined;
}

/**
 * `entityDefs.<E>.fields` from the answer to `Metadata?key=entityDefs.<E>.fields`. Servers before
 * 8.2 answer the whole metadata, which is dug into. `undefined`: an empty answer (unknown entity
 * type, or one the user cannot see).
 */
export function fieldDefsFrom(entityType: string, answer: unknown): FieldDefs | undefined {
	let fields = asObject(answer);
	const whole = asObject(fields?.entityDefs);
	if (whole) fields = asObject(asObject(asObject(whole[entityType])?.fields));
	return fields as FieldDefs | undefined;
}

/** From `Metadata?key=entityDefs`: entity types with at least one File, Image or Attachment-Multiple field. */
export function entityTypesWithFiles(answer: unknown): Array<{ name: string; fields: FieldDefs }> {
	const object = asObject(answer);
	const entityDefs = asObject(object?.entityDefs) ?? object ?? {};
	const result: Array<{ name: string; fields: FieldDefs }> = [];
	for (const [name, defs] of Object.entries(entityDefs)) {
		const fields = asObject(asObject(defs)?.fields) as FieldDefs | undefined;
		if (!fields) continue;
		if (Object.values(fields).some((f) => ATTACHMENT_FIELD_TYPES.includes(f?.type as AttachmentFieldType))) {
			result.push({ name, fields });
		}
	}
	return result.sort((a, b) => a.name.localeCompare(b.name));
}

/** Upload limits from the `GET App/user` answer (settings + appParams; MB in EspoCRM, bytes here). */
export function serverSettingsFrom(appUser: unknown): ServerSettings {
	const answer = asObject(appUser);
	const settings = asObject(answer?.settings) ?? {};
	const appParams = asObject(answer?.appParams) ?? {};
	const chunk = Number(settings.attachmentUploadChunkSize);
	const max = Number(settings.attachmentUploadMaxSize);
	const maxUpload = Number(appParams.maxUploadSize);
	return {
		canChunk: settings.attachmentUploadChunkSize !== undefined && settings.attachmentUploadChunkSize !== null,
		chunkSize: Number.isFinite(chunk) && chunk > 0 ? Math.floor(chunk * MB) : 0,
		maxSize: Number.isFinite(max) && max > 0 ? max * MB : 256 * MB,
		maxUploadSize: Number.isFinite(maxUpload) && maxUpload > 0 ? maxUpload * MB : undefined,
		version: typeof settings.version === 'string' ? settings.version : undefined,
	};
}

/** Checks that `field` exists on `entityType` and is of one of the `allowed` types. */
export function requireAttachmentField(
	node: INode,
	itemIndex: number,
	entityType: string,
	fields: FieldDefs | undefined,
	field: string,
	allowed: AttachmentFieldType[],
): AttachmentField {
	if (!fields) {
		throw new NodeOperationError(node, `EspoCRM has no entity type '${entityType}' that this user can see`, {
			itemIndex,
			description:
				'Check the spelling (entity types are case-sensitive, e.g. Document, Case, CMyEntity) and that the API user\'s role has access to it.',
		});
	}
	const candidates = Object.entries(fields)
		.filter(([, def]) => allowed.includes(def?.type as AttachmentFieldType))
		.map(([name, def]) => `${name} (${fieldTypeName(def.type)})`);
	const list = candidates.length ? candidates.join(', ') : 'none';
	const wanted = allowed.map(fieldTypeName).join(' or ');
	const def = fields[field];
	if (!def) {
		throw new NodeOperationError(node, `${entityType} has no field '${field}'`, {
			itemIndex,
			description: `Fields of ${entityType} this operation can use (${wanted}): ${list}.`,
		});
	}
	if (!allowed.includes(def.type as AttachmentFieldType)) {
		throw new NodeOperationError(
			node,
			`The field '${field}' of ${entityType} is ${withArticle(fieldTypeName(def.type))} field, but this operation needs ${withArticle(wanted)} field`,
			{ itemIndex, description: `Fields of ${entityType} this operation can use: ${list}.` },
		);
	}
	return { entityType, name: field, type: def.type as AttachmentFieldType, def };
}

export function isSingleFileField(type: AttachmentFieldType): boolean {
	return type === 'file' || type === 'image';
}
