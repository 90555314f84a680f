// What both triggers share: their parameters, the file fields they watch, the ids they already know
// (kept in the workflow's static data) and the items they emit.
import type {
	IDataObject,
	INode,
	INodeExecutionData,
	INodeProperties,
	IPollFunctions,
	IWebhookFunctions,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { downloadFile, fieldsOf, getAttachment, type TriggerContext } from './espo';

export type FileEvent = 'created' | 'replaced' | 'added';
export type WatchedFieldType = 'file' | 'image' | 'attachmentMultiple';

export interface WatchedField {
	name: string;
	type: WatchedFieldType;
}

export interface TriggerSettings {
	entityType: string;
	fields: WatchedField[];
	events: FileEvent[];
	downloadFiles: boolean;
	binaryProperty: string;
}

/** A file the trigger found: which record, which field, which attachment, and why it is new. */
export interface NewFile {
	event: FileEvent;
	recordId: string;
	recordName: string | null;
	field: WatchedField;
	attachmentId: string;
}

export const FIELD_TYPE_NAMES: Record<WatchedFieldType, string> = {
	file: 'File',
	image: 'Image',
	attachmentMultiple: 'Attachment-Multiple',
};

export const triggerProperties: INodeProperties[] = [
	{
		displayName: 'Entity Type Name or ID',
		name: 'entityType',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getEntityTypes' },
		required: true,
		default: '',
		description:
			'The records to watch, e.g. Document or Case. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	{
		displayName: 'Field Names or IDs',
		name: 'fields',
		type: 'multiOptions',
		typeOptions: { loadOptionsMethod: 'getAttachmentFields', loadOptionsDependsOn: ['entityType'] },
		default: [],
		description:
			'File, Image and Attachment-Multiple fields to watch. None selected: all of them. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	{
		displayName: 'Trigger On',
		name: 'events',
		type: 'multiOptions',
		options: [
			{
				name: 'Record Created With Files',
				value: 'created',
				description: 'A new record that already holds files',
			},
			{
				name: 'File Replaced',
				value: 'replaced',
				description: 'A new file in a File or Image field of an existing record',
			},
			{
				name: 'Files Added',
				value: 'added',
				description: 'New files in an Attachment-Multiple field of an existing record',
			},
		],
		default: ['created', 'replaced', 'added'],
		required: true,
	},
	{
		displayName: 'Download Files',
		name: 'downloadFiles',
		type: 'boolean',
		default: true,
		description: 'Whether to download each file as n8n binary data (otherwise only its details are output)',
	},
	{
		displayName: 'Put Output File in Field',
		name: 'binaryProperty',
		type: 'string',
		default: 'data',
		displayOptions: { show: { downloadFiles: [true] } },
		description: 'The binary field of each output item that holds the file',
	},
];

const EVENT_NAMES: Record<FileEvent, string> = {
	created: 'Record Created With Files',
	replaced: 'File Replaced',
	added: 'Files Added',
};

/** Reads the parameters and checks the fields against EspoCRM's metadata (one request). */
export async function readSettings(ctx: TriggerContext): Promise<TriggerSettings> {
	const node = ctx.getNode();
	const entityType = String(ctx.getNodeParameter('entityType', '') ?? '').trim();
	if (!entityType) {
		throw new NodeOperationError(node, 'No entity type is set', {
			description: 'Choose the entity type whose files should start the workflow, e.g. Document or Case.',
		});
	}
	const wanted = (ctx.getNodeParameter('fields', []) as string[]).map((f) => String(f).trim()).filter(Boolean);
	const events = ctx.getNodeParameter('events', []) as FileEvent[];
	if (events.length === 0) {
		throw new NodeOperationError(node, 'Trigger On is empty', {
			description: `Choose at least one of: ${Object.values(EVENT_NAMES).join(', ')}.`,
		});
	}
	const defs = await fieldsOf(ctx, entityType);
	if (!defs) {
		throw new NodeOperationError(node, `EspoCRM has no entity type '${entityType}' that this user can see`, {
			description:
				"Check the spelling (entity types are case-sensitive, e.g. Document, Case, CMyEntity) and that the API user's role has read access to it.",
		});
	}
	const fileFields = Object.entries(defs)
		.filter(([, def]) => ['file', 'image', 'attachmentMultiple'].includes(def?.type))
		.map(([name, def]) => ({ name, type: def.type as WatchedFieldType }));
	const list = fileFields.map((f) => `${f.name} (${FIELD_TYPE_NAMES[f.type]})`).join(', ') || 'none';
	let fields = fileFields;
	if (wanted.length > 0) {
		fields = wanted.map((name) => {
			const found = fileFields.find((f) => f.name === name);
			if (!found) {
				throw new NodeOperationError(node, `${entityType} has no File, Image or Attachment-Multiple field '${name}'`, {
					description: `Fields of ${entityType} the trigger can watch: ${list}.`,
				});
			}
			return found;
		});
	}
	if (fields.length === 0) {
		throw new NodeOperationError(node, `${entityType} has no File, Image or Attachment-Multiple field`, {
			description: 'Choose an entity type with file fields, e.g. Document (file) or Case (attachments).',
		});
	}
	const downloadFiles = ctx.getNodeParameter('downloadFiles', true) as boolean;
	const binaryProperty = downloadFiles ? String(ctx.getNodeParameter('binaryProperty', 'data') || 'data') : 'data';
	return { entityType, fields, events, downloadFiles, binaryProperty };
}

/** The event a new file of this field type on a known record stands for. */
export function changeEvent(field: WatchedField): FileEvent {
	return field.type === 'attachmentMultiple' ? 'added' : 'replaced';
}

/** The ids a record's field holds, from a record, a list item or a webhook payload. */
export function idsIn(data: IDataObject, field: WatchedField): string[] | undefined {
	if (field.type === 'attachmentMultiple') {
		const ids = data[`${field.name}Ids`];
		return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string' && id !== '') : undefined;
	}
	if (!(`${field.name}Id` in data)) return undefined;
	const id = data[`${field.name}Id`];
	return typeof id === 'string' && id !== '' ? [id] : [];
}

// --- the ids already seen, per record and field (workflow static data) ----------------------------

/** Per record (key `r:<id>`, so keys keep insertion order), per field: the attachment ids already seen. */
export type KnownIds = Record<string, Record<string, string[]>>;

const MAX_IDS_PER_FIELD = 500;

export class KnownFiles {
	constructor(
		private readonly known: KnownIds,
		private readonly maxRecords: number,
	) {}

	static in(staticData: IDataObject, maxRecords: number): KnownFiles {
		if (!staticData.known || typeof staticData.known !== 'object') staticData.known = {};
		return new KnownFiles(staticData.known as KnownIds, maxRecords);
	}

	has(recordId: string): boolean {
		return `r:${recordId}` in this.known;
	}

	ids(recordId: string, field: string): string[] {
		return this.known[`r:${recordId}`]?.[field] ?? [];
	}

	recordIds(): string[] {
		return Object.keys(this.known).map((key) => key.slice(2));
	}

	/** Remembers the ids (a union: an id once seen on a record's field is never new there again). */
	remember(recordId: string, field: string, ids: string[]): void {
		const key = `r:${recordId}`;
		const entry = this.known[key] ?? {};
		delete this.known[key]; // re-inserted last: the most recently touched record is kept longest
		const merged = [...new Set([...(entry[field] ?? []), ...ids])];
		entry[field] = merged.slice(Math.max(0, merged.length - MAX_IDS_PER_FIELD));
		this.known[key] = entry;
		const keys = Object.keys(this.known);
		for (let i = 0; i < keys.length - this.maxRecords; i += 1) delete this.known[keys[i]];
	}

	/** Records a record without files, so a later file counts as a change, not a creation. */
	touch(recordId: string): void {
		const key = `r:${recordId}`;
		const entry = this.known[key] ?? {};
		delete this.known[key];
		this.known[key] = entry;
	}

	forget(recordId: string): void {
		delete this.known[`r:${recordId}`];
	}
}

// --- items -------------------------------------------------------------------------------------------

/**
 * One item per new file: the record, the field, the attachment's details and (Download Files) the file.
 * A file EspoCRM no longer has (replaced again, deleted) is left out. A download that fails throws, so
 * nothing is marked as seen and the delivery or poll is repeated.
 */
export async function itemsFor(
	ctx: IPollFunctions | IWebhookFunctions,
	settings: TriggerSettings,
	files: NewFile[],
): Promise<INodeExecutionData[]> {
	const items: INodeExecutionData[] = [];
	for (const file of files) {
		const attachment = await getAttachment(ctx, file.attachmentId);
		if (!attachment) continue;
		const json: IDataObject = {
			event: file.event,
			entityType: settings.entityType,
			record: { id: file.recordId, name: file.recordName },
			field: file.field.name,
			fieldType: file.field.type,
			attachment: {
				id: attachment.id,
				name: attachment.name,
				type: attachment.type,
				size: attachment.size,
				createdAt: attachment.createdAt ?? null,
				createdById: attachment.createdById ?? null,
			},
		};
		if (!settings.downloadFiles) {
			items.push({ json });
			continue;
		}
		const binary = await downloadFile(ctx, attachment);
		items.push({ json, binary: { [settings.binaryProperty]: binary } });
	}
	return items;
}

export function nodeError(node: INode, message: string, description: string): NodeOperationError {
	return new NodeOperationError(node, message, { description });
}
