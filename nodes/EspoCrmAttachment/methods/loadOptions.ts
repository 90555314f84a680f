import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { FIELD_TYPES } from '../actions/common.descriptions';
import { withClient } from '../client';
import { fieldTypeName, type AttachmentFieldType, type FieldDefs } from '../client/metadata';
import { entityTypeParam } from '../validate';

const FILE_TYPES = FIELD_TYPES.fileFields;
const MULTIPLE_TYPES = FIELD_TYPES.attachmentMultipleFields;
const ALL_TYPES = FIELD_TYPES.allFields;

function fieldsOfTypes(fields: FieldDefs, types: AttachmentFieldType[]): INodePropertyOptions[] {
	return Object.entries(fields)
		.filter(([, def]) => types.includes(def?.type as AttachmentFieldType))
		.map(([name, def]) => ({
			name: `${name} (${fieldTypeName(def.type)})`,
			value: name,
			description: def.accept?.length ? `Accepts: ${def.accept.join(', ')}` : undefined,
		}))
		.sort((a, b) => a.name.localeCompare(b.name));
}

async function entityTypesWith(this: ILoadOptionsFunctions, types: AttachmentFieldType[]): Promise<INodePropertyOptions[]> {
	const entityTypes = await withClient(this, async (client) => await client.entityTypesWithFiles());
	return entityTypes
		.filter(({ fields }) => fieldsOfTypes(fields, types).length > 0)
		.map(({ name, fields }) => ({
			name,
			value: name,
			description: `Fields: ${fieldsOfTypes(fields, types)
				.map((option) => option.name)
				.join(', ')}`,
		}));
}

async function fieldsWith(this: ILoadOptionsFunctions, types: AttachmentFieldType[]): Promise<INodePropertyOptions[]> {
	const raw = this.getCurrentNodeParameter('entityType');
	if (!raw) return [];
	const entityType = entityTypeParam(this.getNode(), 0, raw);
	const fields = await withClient(this, async (client) => await client.fieldsOf(entityType));
	if (!fields) {
		throw new NodeOperationError(this.getNode(), `EspoCRM has no entity type '${entityType}' that this user can see`);
	}
	return fieldsOfTypes(fields, types);
}

export async function getEntityTypes(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	return await entityTypesWith.call(this, ALL_TYPES);
}

export async function getEntityTypesWithFileFields(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	return await entityTypesWith.call(this, FILE_TYPES);
}

export async function getEntityTypesWithAttachmentMultipleFields(
	this: ILoadOptionsFunctions,
): Promise<INodePropertyOptions[]> {
	return await entityTypesWith.call(this, MULTIPLE_TYPES);
}

export async function getAttachmentFields(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	return await fieldsWith.call(this, ALL_TYPES);
}

export async function getFileFields(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	return await fieldsWith.call(this, FILE_TYPES);
}

export async function getAttachmentMultipleFields(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	return await fieldsWith.call(this, MULTIPLE_TYPES);
}
