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

/**
 * One page of `GET <path>`, newest first, filtered with EspoCRM's text filter, and the site address
 * for links to what it lists.
 */
async function newestFirst(
	ctx: ILoadOptionsFunctions,
	path: string,
	offset: number,
	filter?: string,
	select?: string,
): Promise<{ answer: ListAnswer | undefined; site: string }> {
	return await withClient(ctx, async (client) => ({
		answer: await client.request<ListAnswer>({
			method: 'GET',
			path,
			qs: {
				...(select ? { select } : {}),
				maxSize: PAGE,
				offset,
				orderBy: 'createdAt',
				order: 'desc',
				...(filter ? { textFilter: filter } : {}),
			},
		}),
		site: await client.siteUrl(),
	}));
}

function nextPage(offset: number, answer: ListAnswer | undefined): string | undefined {
	const shown = offset + (answer?.list?.length ?? 0);
	return shown < (answer?.total ?? 0) ? String(shown) : undefined;
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
	const { answer, site } = await newestFirst(this, apiPath(entityType), offset, filter, 'id,name');
	return {
		results: (answer?.list ?? []).map((record) => ({
			name: typeof record.name === 'string' && record.name !== '' ? record.name : String(record.id),
			value: String(record.id),
			url: `${site}/#${entityType}/view/${String(record.id)}`,
		})),
		paginationToken: nextPage(offset, answer),
	};
}

/** Attachments, newest first. EspoCRM lets only admin users list attachments. */
export async function searchAttachments(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const offset = page(paginationToken);
	let found: { answer: ListAnswer | undefined; site: string };
	try {
		found = await newestFirst(this, apiPath('Attachment'), offset, filter);
	} catch (error) {
		if (espoFailureOf(error)?.status === 403) {
			throw new NodeOperationError(this.getNode(), 'EspoCRM lets only admin users list attachments', {
				description: 'Enter the attachment ID or its URL instead, or use "Download From Record" to reach a record\'s files.',
			});
		}
		throw asNodeError(this.getNode(), error);
	}
	const { answer, site } = found;
	return {
		results: (answer?.list ?? []).map((attachment) => ({
			name: `${String(attachment.name ?? attachment.id)}${attachment.parentType || attachment.relatedType ? ` (${String(attachment.parentType ?? attachment.relatedType)})` : ''}`,
			value: String(attachment.id),
			url: `${site}/#Attachment/view/${String(attachment.id)}`,
		})),
		paginationToken: nextPage(offset, answer),
	};
}
