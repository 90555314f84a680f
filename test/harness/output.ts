import type { BinaryDataService } from 'n8n-core';
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import type { OutputItem, RunError } from './types';

/** An output item as tests see it: each binary's bytes read back through n8n's BinaryDataService. */
export async function toOutputItem(service: BinaryDataService, item: INodeExecutionData): Promise<OutputItem> {
	const out: OutputItem = { json: item.json, pairedItem: item.pairedItem };
	if (item.error) out.error = item.error;
	if (item.binary) {
		out.binary = {};
		for (const [key, raw] of Object.entries(item.binary)) {
			const { fileName, mimeType, fileExtension } = raw;
			out.binary[key] = { fileName, mimeType, fileExtension, bytes: await service.getAsBuffer(raw), raw };
		}
	}
	return out;
}

/** A node or workflow error, flattened to what tests assert on; `raw` keeps the original. */
export function toRunError(error: unknown): RunError {
	const e = error as { message?: string; description?: string | null; name?: string; httpCode?: string | null; context?: IDataObject };
	const itemIndex = e.context?.itemIndex;
	return {
		message: e.message ?? String(error), description: e.description, name: e.name, httpCode: e.httpCode,
		context: e.context, ...(typeof itemIndex === 'number' ? { itemIndex } : {}), raw: error,
	};
}
