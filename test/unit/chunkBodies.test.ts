// The chunk bodies of a chunked upload (reference api §4.1: a JSON string holding a data-URI per
// chunk) are base64-encoded piece by piece into one reused buffer: they must decode to exactly the
// file's bytes, chunk by chunk, whatever the piece sizes are.
import { randomBytes } from 'crypto';

import type { InputFile } from '../../nodes/EspoCrmAttachment/binary';
import { chunkBodies } from '../../nodes/EspoCrmAttachment/client/upload';

function fileOf(bytes: Buffer, pieceSizes: number[]): InputFile {
	return {
		fileName: 'f.bin',
		mimeType: 'application/octet-stream',
		size: bytes.length,
		read: async () => bytes,
		pieces: async function* () {
			let at = 0;
			for (let i = 0; at < bytes.length; i++) {
				const size = pieceSizes[i % pieceSizes.length];
				yield bytes.subarray(at, at + size);
				at += size;
			}
		},
	};
}

async function decodedChunks(file: InputFile, chunkSize: number): Promise<Buffer[]> {
	const chunks: Buffer[] = [];
	for await (const body of chunkBodies(file, chunkSize, 'application/pdf')) {
		const text = body.toString('latin1');
		expect(text.startsWith('"data:application/pdf;base64,')).toBe(true);
		expect(text.endsWith('"')).toBe(true);
		const json = JSON.parse(text) as string; // the body is valid JSON: one string
		chunks.push(Buffer.from(json.slice(json.indexOf(',') + 1), 'base64'));
	}
	return chunks;
}

describe('chunk bodies of a chunked upload', () => {
	test.each([
		[1000, 1, [7]],
		[1000, 2, [1, 2, 3]],
		[1000, 3, [64]],
		[1000, 7, [5, 1, 1, 9]],
		[100_000, 4096, [65536]],
		[100_000, 4097, [1000, 1, 2]],
		[3 * 65536, 65536, [65536]],
		[5, 10, [2]],
		// 1 MiB pieces (what the node reads from n8n's binary storage), encoded in 48 KiB windows.
		[3 * 1024 * 1024 + 5, 1_000_001, [1024 * 1024]],
		[2 * 1024 * 1024, 4 * 1024 * 1024, [1024 * 1024 + 1, 49_153]],
	])('%d bytes in chunks of %d (pieces %j) decode to the file, each chunk full but the last', async (size, chunkSize, pieces) => {
		const bytes = randomBytes(size);
		const chunks = await decodedChunks(fileOf(bytes, pieces), chunkSize);
		expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
		expect(chunks).toHaveLength(Math.ceil(size / chunkSize));
		chunks.slice(0, -1).forEach((chunk) => expect(chunk.length).toBe(chunkSize));
	});
});

test('a body stays valid while the next one is prepared (the upload sends n while encoding n+1)', async () => {
	const bytes = randomBytes(10 * 1000);
	const bodies = chunkBodies(fileOf(bytes, [333]), 1000, 'text/plain');
	const decode = (body: Buffer) => {
		const json = JSON.parse(body.toString('latin1')) as string;
		return Buffer.from(json.slice(json.indexOf(',') + 1), 'base64');
	};
	const chunks: Buffer[] = [];
	let previous = await bodies.next();
	while (!previous.done) {
		const current = await bodies.next(); // prepared while `previous` would be on the wire
		chunks.push(decode(previous.value));
		previous = current;
	}
	expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
});
