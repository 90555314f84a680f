import type { IBinaryData, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { BinaryStream } from './transport';

/** A file from an input item, readable whole or chunk by chunk without knowing the storage mode. */
export interface InputFile {
	fileName: string;
	/** The extension n8n recorded for the binary (from its name or MIME type), without a dot. */
	fileExtension?: string;
	mimeType: string;
	/** The real byte size (never n8n's human-readable `fileSize` string). */
	size: number;
	read(): Promise<Buffer>;
	/** Chunks of exactly `chunkSize` bytes (the last may be shorter). Can be iterated again. */
	chunks(chunkSize: number): AsyncGenerator<Buffer>;
}

/**
 * The file in the item's binary field. Never reads `binary.data` as content: in filesystem, S3 or
 * database mode it holds the mode name. With an id the file is streamed from n8n's binary storage,
 * so at most about one chunk is in memory; inline files are already in memory.
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
			read: async () => await ctx.helpers.binaryToBuffer(await ctx.helpers.getBinaryStream(id)),
			chunks: (chunkSize) => rechunk(ctx.helpers.getBinaryStream(id, chunkSize), chunkSize),
		};
	}
	const buffer = await ctx.helpers.getBinaryDataBuffer(itemIndex, binaryPropertyName);
	return {
		fileName,
		fileExtension,
		mimeType,
		size: buffer.length,
		read: async () => buffer,
		chunks: async function* (chunkSize) {
			for (let start = 0; start < buffer.length; start += chunkSize) {
				yield buffer.subarray(start, start + chunkSize);
			}
		},
	};
}

async function* rechunk(source: Promise<BinaryStream>, chunkSize: number): AsyncGenerator<Buffer> {
	let pending: Buffer[] = [];
	let pendingBytes = 0;
	for await (const piece of await source) {
		let rest: Buffer = Buffer.isBuffer(piece) ? piece : Buffer.from(piece as string);
		while (pendingBytes + rest.length >= chunkSize) {
			const take = chunkSize - pendingBytes;
			pending.push(rest.subarray(0, take));
			yield Buffer.concat(pending);
			rest = rest.subarray(take);
			pending = [];
			pendingBytes = 0;
		}
		if (rest.length > 0) {
			pending.push(rest);
			pendingBytes += rest.length;
		}
	}
	if (pendingBytes > 0) yield Buffer.concat(pending);
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
