import type { IDataObject, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { apiPath, appUserOf, espoRequest, type EspoContext } from '../transport';

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
 * `entityDefs.<E>.fields` (one request; `?key=` works since EspoCRM 8.2, older servers answer the
 * whole metadata, which is dug into). `undefined` when EspoCRM does not know the entity type or
 * the user cannot see it: it answers such keys with 200 and an empty body.
 */
export async function fetchFieldDefs(
	ctx: EspoContext,
	entityType: string,
	itemIndex?: number,
): Promise<FieldDefs | undefined> {
	const key = `entityDefs.${entityType}.fields`;
	const answer = await espoRequest<unknown>(ctx, {
		method: 'GET',
		path: apiPath('Metadata'),
		qs: { key },
		itemIndex,
	});
	let fields = asObject(answer);
	const whole = asObject(fields?.entityDefs);
	if (whole) fields = asObject(asObject(asObject(whole[entityType])?.fields));
	return fields as FieldDefs | undefined;
}

/** Entity types (scopes the user can see) that have at least one File, Image or Attachment-Multiple field. */
export async function fetchEntityTypesWithFiles(ctx: EspoContext): Promise<Array<{ name: string; fields: FieldDefs }>> {
	const answer = asObject(
		await espoRequest<unknown>(ctx, { method: 'GET', path: apiPath('Metadata'), qs: { key: 'entityDefs' } }),
	);
	const entityDefs = asObject(answer?.entityDefs) ?? answer ?? {};
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

/** Upload limits from `GET App/user` (settings + appParams; MB in EspoCRM, bytes here). */
export async function fetchServerSettings(ctx: EspoContext, itemIndex?: number): Promise<ServerSettings> {
	const answer = asObject(await appUserOf(ctx, itemIndex));
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
