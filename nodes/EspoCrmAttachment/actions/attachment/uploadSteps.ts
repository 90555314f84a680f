import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { inputFile } from '../../binary';
import type { AttachmentField } from '../../protocol/metadata';
import { removeOrphan, uploadAttachment, type UploadedAttachment } from '../../protocol/upload';
import type { ExecutionSession } from '../../session';
import { uploadOptionsOf } from './itemInput';

/** Reads the item's file and uploads it for `field` (in chunks when it is big), within the concurrency bound. */
export async function uploadItemFile(
	ctx: IExecuteFunctions,
	i: number,
	session: ExecutionSession,
	field: AttachmentField,
): Promise<UploadedAttachment> {
	const binaryPropertyName = ctx.getNodeParameter('binaryPropertyName', i) as string;
	const options = uploadOptionsOf(ctx, i);
	return await session.limit(async () => {
		const file = await inputFile(ctx, i, binaryPropertyName);
		const settings = await session.serverSettings(i);
		return await uploadAttachment(ctx, file, field, settings, options);
	});
}

/**
 * Runs the step that links an uploaded attachment to a record. If it fails, the attachment is
 * deleted (unless the user keeps it) and the error says so, so nothing stays behind silently.
 */
export async function linkOrCleanUp<T>(
	ctx: IExecuteFunctions,
	i: number,
	session: ExecutionSession,
	attachment: UploadedAttachment,
	keepOnFailure: boolean,
	link: () => Promise<T>,
): Promise<T> {
	try {
		return await link();
	} catch (error) {
		const left = keepOnFailure
			? `The uploaded attachment ${attachment.id} ('${attachment.name}') was kept, as the option "Keep Attachment If Linking Fails" asks.`
			: await session.limit(async () => await removeOrphan(ctx, attachment.id, i));
		throw withNote(ctx, i, error, left);
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
