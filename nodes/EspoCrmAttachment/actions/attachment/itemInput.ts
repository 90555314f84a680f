import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { EspoClient } from '../../client';
import type { AttachmentField } from '../../client/metadata';
import type { UploadOptions } from '../../client/upload';
import { entityTypeParam, fieldParam, locatorIdParam } from '../../validate';
import { FIELD_TYPES, type FieldKinds } from '../common.descriptions';

// Typed reads of the parameters several operations share, validated where they reach a URL.

export function entityTypeOf(ctx: IExecuteFunctions, i: number): string {
	return entityTypeParam(ctx.getNode(), i, ctx.getNodeParameter('entityType', i));
}

export function fieldOf(ctx: IExecuteFunctions, i: number): string {
	return fieldParam(ctx.getNode(), i, ctx.getNodeParameter('field', i));
}

/** The item's entity type and field, checked against EspoCRM's metadata to be of the operation's kind. */
export async function attachmentFieldOf(
	ctx: IExecuteFunctions,
	i: number,
	client: EspoClient,
	kinds: FieldKinds,
): Promise<AttachmentField> {
	return await client.attachmentField(entityTypeOf(ctx, i), fieldOf(ctx, i), FIELD_TYPES[kinds], i);
}

// Resource locators are read raw and checked here, not by n8n's regular-expression sandbox (its
// 250 ms limit fails on a busy machine): an ID, an EspoCRM URL (…/#Case/view/ID) or an expression's value.
export function recordIdOf(ctx: IExecuteFunctions, i: number): string {
	return locatorIdParam(ctx.getNode(), i, ctx.getNodeParameter('recordId', i, ''), 'record ID');
}

export function attachmentIdOf(ctx: IExecuteFunctions, i: number, name = 'attachmentId'): string {
	return locatorIdParam(ctx.getNode(), i, ctx.getNodeParameter(name, i, ''), 'attachment ID');
}

export function optionsOf(ctx: IExecuteFunctions, i: number): IDataObject {
	return ctx.getNodeParameter('options', i, {}) as IDataObject;
}

export function uploadOptionsOf(ctx: IExecuteFunctions, i: number): UploadOptions {
	const options = optionsOf(ctx, i);
	const chunkSizeMb = Number(options.chunkSizeMb ?? 0);
	return {
		itemIndex: i,
		fileName: typeof options.fileName === 'string' ? options.fileName.trim() : undefined,
		mimeType: typeof options.mimeType === 'string' ? options.mimeType.trim() : undefined,
		chunkSize: chunkSizeMb > 0 ? Math.floor(chunkSizeMb * 1024 * 1024) : undefined,
	};
}

/**
 * The other field values for a record the node creates or updates, from key/value pairs or JSON.
 * They may not set the attachment field itself: the node does that with the uploaded file.
 */
export function recordFieldsOf(ctx: IExecuteFunctions, i: number, attachmentField: string): IDataObject {
	const node = ctx.getNode();
	let fields: IDataObject;
	if (ctx.getNodeParameter('recordFieldsInput', i, 'keyValue') === 'json') {
		const raw = ctx.getNodeParameter('recordFieldsJson', i, '{}') as unknown;
		let parsed: unknown = raw;
		if (typeof raw === 'string') {
			try {
				parsed = raw.trim() === '' ? {} : JSON.parse(raw);
			} catch (error) {
				throw new NodeOperationError(node, `"Record Fields (JSON)" is not valid JSON: ${(error as Error).message}`, {
					itemIndex: i,
					description: 'Give a JSON object, e.g. {"name": "Contract", "publishDate": "2026-01-31"}.',
				});
			}
		}
		if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
			throw new NodeOperationError(node, '"Record Fields (JSON)" must be a JSON object', {
				itemIndex: i,
				description: 'Give a JSON object, e.g. {"name": "Contract"}, not a list or a single value.',
			});
		}
		fields = parsed as IDataObject;
	} else {
		const pairs = (ctx.getNodeParameter('recordFields.field', i, []) as Array<{ name?: string; value?: unknown }>) ?? [];
		fields = {};
		for (const { name, value } of pairs) {
			if (name && name.trim() !== '') fields[name.trim()] = value as IDataObject[string];
		}
	}
	const clashing = Object.keys(fields).filter((key) =>
		[attachmentField, `${attachmentField}Id`, `${attachmentField}Ids`, `${attachmentField}Name`, `${attachmentField}Names`].includes(key),
	);
	if (clashing.length) {
		throw new NodeOperationError(node, `"Record Fields" may not set '${clashing.join("', '")}': the node sets the field '${attachmentField}' itself`, {
			itemIndex: i,
			description: `Remove '${clashing.join("', '")}' from the record fields; the uploaded file goes into '${attachmentField}'.`,
		});
	}
	return fields;
}
