import type { IBinaryData, IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { apiPath, espoRequest, espoStream, type EspoContext } from '../transport';

export interface AttachmentRecord extends IDataObject {
	id: string;
	name: string;
	type: string | null;
	size: number | null;
	isBeingUploaded?: boolean;
}

export async function getAttachment(
	ctx: IExecuteFunctions,
	id: string,
	itemIndex: number,
): Promise<AttachmentRecord> {
	return await espoRequest<AttachmentRecord>(ctx, { method: 'GET', path: apiPath('Attachment', id), itemIndex });
}

/** Deletes an attachment (EspoCRM removes the stored file when no copy shares it). */
export async function deleteAttachment(ctx: EspoContext, id: string, itemIndex: number): Promise<void> {
	await espoRequest(ctx, { method: 'DELETE', path: apiPath('Attachment', id), itemIndex });
}

/**
 * Downloads an attachment into n8n's binary storage. The name and MIME type come from the
 * attachment record: `Content-Disposition` is written as raw UTF-8 and unescaped by EspoCRM, and an
 * untyped file is labelled `application/json`. The body is streamed (in filesystem mode it never
 * sits in memory whole) and checked against the recorded size: `Attachment/file/{id}` serves
 * unfinished chunked uploads as they are.
 */
export async function downloadAttachment(
	ctx: IExecuteFunctions,
	attachment: AttachmentRecord,
	itemIndex: number,
): Promise<IBinaryData> {
	const node = ctx.getNode();
	if (attachment.isBeingUploaded === true) {
		throw new NodeOperationError(
			node,
			`The attachment '${attachment.name}' (${attachment.id}) is still being uploaded, so its file is incomplete`,
			{
				itemIndex,
				description:
					'Wait until the upload has finished. An upload that was abandoned never finishes: delete the attachment in EspoCRM.',
			},
		);
	}
	const { stream } = await espoStream(ctx, {
		method: 'GET',
		path: apiPath('Attachment', 'file', attachment.id),
		itemIndex,
	});
	let binary: IBinaryData;
	try {
		binary = await ctx.helpers.prepareBinaryData(
			stream,
			attachment.name || attachment.id,
			attachment.type || 'application/octet-stream',
		);
	} catch (error) {
		throw new NodeApiError(
			node,
			{ code: 'download cut short' },
			{
				message: `The download of '${attachment.name}' (${attachment.id}) was cut short: ${(error as Error).message}`,
				description: 'The connection to EspoCRM broke during the download. Run the node again.',
				itemIndex,
			},
		);
	}
	// n8n derives the name from a path; keep EspoCRM's exact file name (it may contain '/' or '\').
	if (attachment.name) binary.fileName = attachment.name;
	const expected = typeof attachment.size === 'number' ? attachment.size : undefined;
	if (expected !== undefined && binary.bytes !== undefined && binary.bytes !== expected) {
		throw new NodeOperationError(
			node,
			`The file of '${attachment.name}' (${attachment.id}) has ${binary.bytes} bytes, but EspoCRM records ${expected}`,
			{
				itemIndex,
				description:
					binary.bytes < expected
						? 'The download was cut short or the stored file is incomplete (an unfinished upload). Run the node again; if it persists, upload the file again.'
						: 'The stored file is larger than recorded: a chunked upload overshot. Upload the file again.',
			},
		);
	}
	return binary;
}

/** An attachment's record and its file, downloaded as described above. */
export async function downloadById(
	ctx: IExecuteFunctions,
	id: string,
	itemIndex: number,
): Promise<{ attachment: AttachmentRecord; binary: IBinaryData }> {
	const attachment = await getAttachment(ctx, id, itemIndex);
	return { attachment, binary: await downloadAttachment(ctx, attachment, itemIndex) };
}
