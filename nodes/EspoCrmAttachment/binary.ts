import type { IBinaryData, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { BinaryStream } from './client/http';

/** A file from an input item, readable whole or piece by piece without knowing the storage mode. */
export interface InputFile {
	fileName: string;
	/** The extension n8n recorded for the binary (from its name or MIME type), without a dot. */
	fileExtension?: string;
	mimeType: string;
	/** The real byte size (never n8n's human-readable `fileSize` string). */
	size: number;
	read(): Promise<Buffer>;
	/** The bytes in order, in pieces of at most 1 MiB. Can be iterated again. */
	pieces(): AsyncIterable<Buffer>;
}

const INLINE_PIECE = 48 * 1024;
/**
 * Bytes per read from n8n's binary storage. Large reads (few system calls, few stream and promise
 * turns) cost far less CPU than the stream's 64 KiB default; the pieces are base64-encoded in small
 * windows, so no big string is made (see chunkBodies).
 */
const STORED_PIECE = 1024 * 1024;

/**
 * The file in the item's binary field. Never reads `binary.data` as content: in filesystem, S3 or
 * database mode it holds the mode name. With an id the file is streamed from n8n's binary storage,
 * so only small pieces are in memory; inline files are already in memory.
 */
export async function inputFile(
	ctx: IExecuteFunctions,
	itemIndex: number,
	binaryPropertyName: string,
): Promise<InputFile> {
	const binary = ctx.helpers.assertBinaryData(itemIndex, binaryPropertyName);
	const fileName = binary.fileName ?? '';
	const fileExtension = binary.fileExtension || undefined;
	const mimeType = binary.mimeType || 'application/octet-stream';
	if (binary.id) {
		const id = binary.id;
		const { fileSize } = await ctx.helpers.getBinaryMetadata(id);
		return {
			fileName,
			fileExtension,
			mimeType,
			size: fileSize,
			read: async () => await ctx.helpers.binaryToBuffer(await ctx.helpers.getBinaryStream(id, STORED_PIECE)),
			pieces: () => streamPieces(ctx.helpers.getBinaryStream(id, STORED_PIECE)),
		};
	}
	const buffer = await ctx.helpers.getBinaryDataBuffer(itemIndex, binaryPropertyName);
	return bufferFile(buffer, fileName, mimeType, fileExtension);
}

/** A file whose bytes are already in memory (an inline binary, or text or base64 given as a parameter). */
export function bufferFile(buffer: Buffer, fileName: string, mimeType: string, fileExtension?: string): InputFile {
	return {
		fileName,
		fileExtension,
		mimeType,
		size: buffer.length,
		read: async () => buffer,
		pieces: async function* () {
			for (let start = 0; start < buffer.length; start += INLINE_PIECE) {
				yield buffer.subarray(start, start + INLINE_PIECE);
			}
		},
	};
}

async function* streamPieces(source: Promise<BinaryStream>): AsyncGenerator<Buffer> {
	for await (const piece of await source) {
		yield Buffer.isBuffer(piece) ? piece : Buffer.from(piece as string);
	}
}

/**
 * An output item that carries the input item's json replaced by `json` and all of its binaries,
 * plus the new file under `binaryPropertyName`.
 */
export function withBinary(
	input: INodeExecutionData,
	itemIndex: number,
	json: INodeExecutionData['json'],
	binaryPropertyName: string,
	binary: IBinaryData,
): INodeExecutionData {
	return {
		json,
		binary: { ...(input.binary ?? {}), [binaryPropertyName]: binary },
		pairedItem: { item: itemIndex },
	};
}
