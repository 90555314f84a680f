import type { IDataObject, ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { apiPath, withClient } from '../client';
import { asNodeError, espoFailureOf } from '../client/errors';
import { entityTypeParam } from '../validate';

const PAGE = 50;

interface ListAnswer {
	total?: number;
	list?: IDataObject[];
}

function page(paginationToken?: string): number {
	const offset = Number(paginationToken ?? 0);
	return Number.isFinite(offset) && offset > 0 ? offset : 0;
}

/** Records of the chosen entity type, newest first, filtered with EspoCRM's text filter. */
export async function searchRecords(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const raw = this.getCurrentNodeParameter('entityType');
	if (!raw) return { results: [] };
	const entityType = entityTypeParam(this.getNode(), 0, raw);
	const offset = page(paginationToken);
	const { answer, site } = await withClient(this, async (client) => ({
		answer: await client.request<ListAnswer>({
			method: 'GET',
			path: apiPath(entityType),
			qs: {
				select: 'id,name',
				maxSize: PAGE,
				offset,
				orderBy: 'createdAt',
				order: 'desc',
				...(filter ? { textFilter: filter } : {}),
			},
		}),
		site: await client.siteUrl(),
	}));
	const list = answer?.list ?? [];
	return {
		results: list.map((record) => ({
			name: typeof record.name === 'string' && record.name !== '' ? record.name : String(record.id),
			value: String(record.id),
			url: `${site}/#${entityType}/view/${String(record.id)}`,
		})),
		paginationToken: offset + list.length < (answer?.total ?? 0) ? String(offset + list.length) : undefined,
	};
}

/** Attachments, newest first. EspoCRM lets only admin users list attachments. */
export async function searchAttachments(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const offset = page(paginationToken);
	let answer: ListAnswer;
	let site: string;
	try {
		({ answer, site } = await withClient(this, async (client) => ({
			answer: await client.request<ListAnswer>({
				method: 'GET',
				path: apiPath('Attachment'),
				qs: {
					maxSize: PAGE,
					offset,
					orderBy: 'createdAt',
					order: 'desc',
					...(filter ? { textFilter: filter } : {}),
				},
			}),
			site: await client.siteUrl(),
		})));
	} catch (error) {
		if (espoFailureOf(error)?.status === 403) {
			throw new NodeOperationError(this.getNode(), 'EspoCRM lets only admin users list attachments', {
				description: 'Enter the attachment ID or its URL instead, or use "Download From Record" to reach a record\'s files.',
			});
		}
		throw asNodeError(this.getNode(), error);
	}
	const list = answer?.list ?? [];
	return {
		results: list.map((attachment) => ({
			name: `${String(attachment.name ?? attachment.id)}${attachment.parentType || attachment.relatedType ? ` (${String(attachment.parentType ?? attachment.relatedType)})` : ''}`,
			value: String(attachment.id),
			url: `${site}/#Attachment/view/${String(attachment.id)}`,
		})),
		paginationToken: offset + list.length < (answer?.total ?? 0) ? String(offset + list.length) : undefined,
	};
}
