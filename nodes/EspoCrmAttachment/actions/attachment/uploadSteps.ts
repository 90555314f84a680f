import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { EspoClient } from '../../client';
import type { UploadedAttachment } from '../../client/attachments';
import { isUnsettled } from '../../client/errors';
import type { AttachmentField } from '../../client/metadata';
import { sourceFile } from './fileSource';
import { uploadOptionsOf } from './itemInput';

/** Reads the item's file (binary, text or base64) and uploads it for `field` (in chunks when it is big). */
export async function uploadItemFile(
	ctx: IExecuteFunctions,
	i: number,
	client: EspoClient,
	field: AttachmentField,
): Promise<UploadedAttachment> {
	const { file, fromBinary } = await sourceFile(ctx, i);
	const options = uploadOptionsOf(ctx, i);
	// The options File Name and MIME Type are for a binary (hidden otherwise); a file made from text
	// or base64 has its own parameters, so a value left over from Binary Field does not apply.
	if (!fromBinary) Object.assign(options, { fileName: undefined, mimeType: undefined });
	return await client.attachments.upload(file, field, options);
}

/**
 * Runs the step that links an attachment the node made (upload or copy) to a record. If it fails,
 * the attachment is deleted unless the user keeps it, a record holds it, or EspoCRM could not be
 * asked whether the step happened (then it is kept and named); the error says which.
 */
export async function linkOrCleanUp<T>(
	ctx: IExecuteFunctions,
	i: number,
	client: EspoClient,
	attachment: UploadedAttachment,
	keepOnFailure: boolean,
	link: () => Promise<T>,
): Promise<T> {
	try {
		return await link();
	} catch (error) {
		let note: string;
		if (isUnsettled(error)) note = '';
		else if (keepOnFailure) {
			note = `The uploaded attachment ${attachment.id} ('${attachment.name}') was kept, as the option "Keep Attachment If Linking Fails" asks.`;
		} else note = (await client.attachments.deleteIfUnlinked(attachment.id, i)).note;
		throw withNote(ctx, i, error, note);
	}
}

/** The error with `note` added to its description (a NodeApiError or NodeOperationError either way). */
export function withNote(
	ctx: IExecuteFunctions,
	i: number,
	error: unknown,
	note: string,
): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		error.description = `${error.description ?? ''} ${note}`.trim();
		return error;
	}
	return new NodeOperationError(ctx.getNode(), error as Error, { itemIndex: i, description: note });
}
