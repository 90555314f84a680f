// Big files through the real n8n engine against the emulator (issue #5): how a file is cut into
// chunks, that the chunks of one file go strictly one after another, what a failing chunk or a
// dropped connection leaves behind, servers that cannot take chunks, the size limits checked before
// anything is sent, and downloads that come up short. Every test checks what EspoCRM holds.
import fs from 'fs';
import os from 'os';
import path from 'path';

import type { INodeParameters } from 'n8n-workflow';

import { DEFAULT_SETTINGS } from '../emulator/context';
import type { Emulator, RequestLogEntry } from '../emulator';
import { runNode, shutdownHarness, type BinaryMode, type InputItem, type RunResult } from '../harness';
import { apiKeyCredential, attachmentIds, BINARY_MODES, fileItem, rl, sha256, useEmulator } from './nodeFixtures';

afterAll(async () => await shutdownHarness());

const MiB = 1024 * 1024;
const TYPE = 'application/octet-stream';

/** Bytes that differ per position and per file, so a reordered or repeated chunk changes the hash. */
function pattern(size: number, seed = 1): Buffer {
	const bytes = Buffer.allocUnsafe(size);
	for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >>> 11) * 7 + seed * 13) & 0xff;
	return bytes;
}

function upload(
	emu: Emulator,
	binaryMode: BinaryMode,
	items: InputItem[],
	options: INodeParameters = {},
	extra: { continueOnFail?: boolean } = {},
): Promise<RunResult> {
	return runNode({
		binaryMode,
		credentials: apiKeyCredential(emu),
		parameters: { operation: 'upload', entityType: 'Case', field: 'attachments', options },
		items,
		...extra,
	});
}

const byStart = (entries: RequestLogEntry[]) => [...entries].sort((a, b) => a.startedAt - b.startedAt);
const chunkRequests = (emu: Emulator, id?: string) =>
	byStart(emu.log.filter((e) => e.method === 'POST' && e.path.startsWith('/Attachment/chunk/') && (!id || e.path === `/Attachment/chunk/${id}`)));
const creates = (emu: Emulator) => byStart(emu.log.filter((e) => e.method === 'POST' && e.path === '/Attachment'));
const deletes = (emu: Emulator) => emu.log.filter((e) => e.method === 'DELETE' && e.path.startsWith('/Attachment/'));
const idOfChunk = (entry: RequestLogEntry) => entry.path.split('/').pop() as string;

/** The request body EspoCRM's web UI sends for `raw` bytes: the JSON string `"data:<type>;base64,<…>"`. */
function chunkBodyLength(raw: number, type = TYPE): number {
	return Buffer.byteLength(`"data:${type};base64,`) + 4 * Math.ceil(raw / 3) + 1;
}
const bodyLengths = (entries: RequestLogEntry[]) => entries.map((e) => Number(e.reqHeaders['content-length']));

/** Each request starts only after the previous one was answered. */
function expectOneAfterAnother(entries: RequestLogEntry[]): void {
	for (let k = 1; k < entries.length; k++) {
		expect(entries[k].startedAt).toBeGreaterThanOrEqual(entries[k - 1].startedAt + entries[k - 1].durationMs);
	}
}

/** Attachments created since `before` that are still there (not deleted). */
function leftBehind(emu: Emulator, before: Set<string>): string[] {
	return emu.state.attachments().filter((a) => !before.has(a.id) && !a.deleted).map((a) => a.id);
}

describe.each(BINARY_MODES)('Chunked upload, binary mode %s', (binaryMode) => {
	const emulator = useEmulator();
	beforeEach(() => {
		emulator().faults.clear();
		emulator().setSettings({ ...DEFAULT_SETTINGS, attachmentUploadChunkSize: 1 });
		emulator().clearLog();
	});
	afterAll(() => emulator().setSettings(DEFAULT_SETTINGS));

	test('The chunk size comes from App/user (attachmentUploadChunkSize): 2.5 MiB at 1 MB is 1 MiB, 1 MiB, 0.5 MiB, in order', async () => {
		const emu = emulator();
		const contents = pattern(2.5 * MiB);
		const result = await upload(emu, binaryMode, [fileItem('scan.bin', contents, TYPE)]);
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		const chunks = chunkRequests(emu, id);
		expect(bodyLengths(chunks)).toEqual([MiB, MiB, 0.5 * MiB].map((n) => chunkBodyLength(n)));
		expect(chunks.map((c) => c.status)).toEqual([200, 200, 200]);
		expect(emu.log.filter((e) => e.path === '/App/user')).toHaveLength(1);
		expect(emu.state.attachment(id)).toMatchObject({ isBeingUploaded: false, size: contents.length, deleted: false });
		expect(emu.state.sha256(id)).toBe(sha256(contents));
	});

	test('The chunkSizeMb option overrides the server: 0.25 MB chunks on a 1 MB server', async () => {
		const emu = emulator();
		const contents = pattern(MiB + 1000, 2);
		const result = await upload(emu, binaryMode, [fileItem('scan.bin', contents, TYPE)], { chunkSizeMb: 0.25 });
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		const quarter = MiB / 4;
		expect(bodyLengths(chunkRequests(emu, id))).toEqual([quarter, quarter, quarter, quarter, 1000].map((n) => chunkBodyLength(n)));
		expect(emu.state.sha256(id)).toBe(sha256(contents));
	});

	test('A file of exactly 3 × the chunk size goes in 3 full chunks, with no empty fourth one', async () => {
		const emu = emulator();
		const contents = pattern(3 * MiB, 3);
		const result = await upload(emu, binaryMode, [fileItem('exact.bin', contents, TYPE)]);
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		expect(bodyLengths(chunkRequests(emu, id))).toEqual([MiB, MiB, MiB].map((n) => chunkBodyLength(n)));
		expect(emu.state.attachment(id)).toMatchObject({ isBeingUploaded: false, size: 3 * MiB });
		expect(emu.state.sha256(id)).toBe(sha256(contents));
	});

	test('A file of the chunk size + 1 byte goes in a full chunk and a 1-byte chunk', async () => {
		const emu = emulator();
		const contents = pattern(MiB + 1, 4);
		const result = await upload(emu, binaryMode, [fileItem('plus-one.bin', contents, TYPE)]);
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		expect(bodyLengths(chunkRequests(emu, id))).toEqual([chunkBodyLength(MiB), chunkBodyLength(1)]);
		expect(emu.state.sha256(id)).toBe(sha256(contents));
	});

	test('A file of exactly the chunk size goes in one request (as the web UI does: chunks only when size > chunk)', async () => {
		const emu = emulator();
		const exact = pattern(MiB, 5);
		const result = await upload(emu, binaryMode, [fileItem('one-chunk.bin', exact, TYPE)]);
		expect(result.error).toBeUndefined();
		expect(chunkRequests(emu)).toEqual([]);
		expect(creates(emu)).toHaveLength(1);
		const [one] = result.items.map((item) => item.json.id as string);
		expect(emu.state.attachment(one)).toMatchObject({ size: MiB, isBeingUploaded: false });
		expect(emu.state.sha256(one)).toBe(sha256(exact));
	});

	test('A 0-byte file is refused before anything is sent (an empty file is nearly always an upstream failure)', async () => {
		const emu = emulator();
		const result = await upload(emu, binaryMode, [fileItem('empty.bin', Buffer.alloc(0), TYPE)]);
		expect(result.error?.message).toMatch(/The file 'empty\.bin' is empty \(0 bytes\) \[item 0\]/);
		expect(creates(emu)).toHaveLength(0);
	});

	test('The chunks of each file go strictly one after another, also while three files upload side by side', async () => {
		const emu = emulator();
		emu.faults.add({ method: 'POST', path: /^\/Attachment\/chunk\//, times: Infinity, action: { delayMs: 25 } });
		const files = [0, 1, 2].map((n) => pattern(3.5 * MiB, 10 + n));
		const result = await upload(
			emu,
			binaryMode,
			files.map((contents, n) => fileItem(`parallel-${n}.bin`, contents, TYPE)),
			{ concurrency: 3 },
		);
		expect(result.error).toBeUndefined();
		const ids = result.items.map((item) => item.json.id as string);
		for (const [n, id] of ids.entries()) {
			const chunks = chunkRequests(emu, id);
			expect(bodyLengths(chunks)).toEqual([MiB, MiB, MiB, 0.5 * MiB].map((size) => chunkBodyLength(size)));
			expectOneAfterAnother(chunks);
			expect(emu.state.sha256(id)).toBe(sha256(files[n]));
		}
		// The files themselves did overlap: sequential chunks are the node's doing, not the test's.
		const spans = ids.map((id) => {
			const chunks = chunkRequests(emu, id);
			return { start: chunks[0].startedAt, end: Math.max(...chunks.map((c) => c.startedAt + c.durationMs)) };
		});
		expect(spans.some((a, i) => spans.some((b, j) => i !== j && a.start < b.end && b.start < a.end))).toBe(true);
	});

	test('A 500 on chunk 2 deletes the partial attachment and sends the whole file again, which succeeds', async () => {
		const emu = emulator();
		const before = attachmentIds(emu);
		emu.faults.add({ method: 'POST', path: /^\/Attachment\/chunk\//, nth: 2, action: { status: 500 } });
		const contents = pattern(2.5 * MiB, 20);
		const result = await upload(emu, binaryMode, [fileItem('retry.bin', contents, TYPE)]);
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		const chunks = chunkRequests(emu);
		expect(chunks.map((c) => c.status)).toEqual([200, 500, 200, 200, 200]);
		const firstId = idOfChunk(chunks[0]);
		expect(firstId).not.toBe(id);
		expect(creates(emu)).toHaveLength(2);
		expect(deletes(emu).map((e) => [e.path, e.status])).toEqual([[`/Attachment/${firstId}`, 200]]);
		// The delete came before the new attempt: nothing of the failed attempt overlaps the next.
		const deletion = deletes(emu)[0];
		expect(creates(emu)[1].startedAt).toBeGreaterThanOrEqual(deletion.startedAt + deletion.durationMs);
		expect(emu.state.attachment(firstId)?.deleted).toBe(true);
		expect(emu.state.sha256(id)).toBe(sha256(contents));
		expect(leftBehind(emu, before)).toEqual([id]);
	});

	test('A chunk that fails every time gives a clear error naming the chunk and the attempts, and leaves nothing behind', async () => {
		const emu = emulator();
		const before = attachmentIds(emu);
		emu.faults.add({ method: 'POST', path: /^\/Attachment\/chunk\//, nth: 2, times: Infinity, action: { status: 500, reason: 'Disk full' } });
		const result = await upload(emu, binaryMode, [fileItem('doomed.bin', pattern(2.5 * MiB, 21), TYPE)]);
		expect(result.status).toBe('error');
		// Attempt 1 fails at chunk 2; attempts 2 and 3 (the whole file again) fail at their chunk 1.
		expect(result.error?.message).toMatch(/Uploading 'doomed\.bin' failed at chunk 1 of 3 \(attempt 3 of 3\)/);
		expect(result.error?.message).toMatch(/500|Disk full/);
		expect(result.error?.description).toMatch(/partial attachment \w+ was deleted/);
		expect(result.error?.itemIndex).toBe(0);
		expect(creates(emu)).toHaveLength(3);
		expect(deletes(emu).map((e) => e.status)).toEqual([200, 200, 200]);
		expect(leftBehind(emu, before)).toEqual([]);
	});

	test.each([
		['mid-body', 'the connection drops halfway through the chunk'],
		['after-handling', 'the chunk is stored but the answer never comes (a resend would overshoot)'],
	] as const)('A dropped connection on chunk 2 (%s: %s) deletes the partial attachment and the file is sent again', async (drop, _why) => {
		const emu = emulator();
		const before = attachmentIds(emu);
		emu.faults.add({ method: 'POST', path: /^\/Attachment\/chunk\//, nth: 2, action: { drop } });
		const contents = pattern(2.5 * MiB, 22);
		const result = await upload(emu, binaryMode, [fileItem('flaky.bin', contents, TYPE)]);
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		const chunks = chunkRequests(emu);
		expect(chunks.map((c) => c.status)).toEqual([200, 0, 200, 200, 200]);
		const firstId = idOfChunk(chunks[0]);
		expect(emu.state.attachment(firstId)?.deleted).toBe(true);
		expect(emu.state.attachment(id)).toMatchObject({ isBeingUploaded: false, size: contents.length });
		expect(emu.state.sha256(id)).toBe(sha256(contents));
		expect(leftBehind(emu, before)).toEqual([id]);
	});

	test('A file over attachmentUploadMaxSize is refused with a clear error before anything is sent', async () => {
		const emu = emulator();
		emu.setSettings({ attachmentUploadMaxSize: 2 });
		const result = await upload(emu, binaryMode, [fileItem('huge.bin', pattern(2 * MiB + 1, 23), TYPE)]);
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/'huge\.bin' is 2\.00 MB, more than EspoCRM accepts for Case\.attachments \(2\.00 MB\)/);
		expect(result.error?.description).toMatch(/attachmentUploadMaxSize/);
		expect(creates(emu)).toEqual([]);
		expect(chunkRequests(emu)).toEqual([]);
	});
});

describe.each(BINARY_MODES)('A server without the chunk endpoint (before EspoCRM 7.2), binary mode %s', (binaryMode) => {
	const emulator = useEmulator({ noChunkEndpoint: true });
	beforeEach(() => {
		emulator().setSettings(DEFAULT_SETTINGS);
		emulator().clearLog();
	});

	test('A 6 MiB file, bigger than the usual 4 MB chunk, goes in one single request', async () => {
		const emu = emulator();
		const contents = pattern(6 * MiB, 30);
		const result = await upload(emu, binaryMode, [fileItem('whole.bin', contents, TYPE)]);
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		expect(emu.log.filter((e) => e.path.startsWith('/Attachment')).map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual(['POST /Attachment 200']);
		expect(emu.state.attachment(id)).toMatchObject({ size: contents.length, isBeingUploaded: false });
		expect(emu.state.sha256(id)).toBe(sha256(contents));
	});

	test('The Chunk Size option does not make it try chunks: the file still goes in one request', async () => {
		const emu = emulator();
		const contents = pattern(2.5 * MiB, 32);
		const result = await upload(emu, binaryMode, [fileItem('option.bin', contents, TYPE)], { chunkSizeMb: 1 });
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		expect(emu.log.filter((e) => e.path.startsWith('/Attachment')).map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual(['POST /Attachment 200']);
		expect(emu.state.sha256(id)).toBe(sha256(contents));
	});

	test('A file over maxUploadSize (post_max_size) is refused with a clear error before any upload', async () => {
		const emu = emulator();
		emu.setSettings({ maxUploadSize: 2 });
		const result = await upload(emu, binaryMode, [fileItem('too-big.bin', pattern(3 * MiB, 31), TYPE)]);
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/'too-big\.bin' is 3\.00 MB, more than this EspoCRM accepts in one request \(2\.00 MB\)/);
		expect(result.error?.description).toMatch(/chunk/i);
		expect(emu.log.filter((e) => e.path.startsWith('/Attachment'))).toEqual([]);
	});
});

describe.each(BINARY_MODES)('Big and short downloads, binary mode %s', (binaryMode) => {
	const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'espo-bigfiles-'));
	const emulator = useEmulator({ storageDir });
	afterAll(() => fs.rmSync(storageDir, { recursive: true, force: true }));
	beforeEach(() => {
		emulator().faults.clear();
		emulator().clearLog();
	});

	function stored(contents: Buffer, name = 'video.mp4') {
		const emu = emulator();
		return emu.state.createAttachment({ name, type: 'video/mp4', bytes: contents, field: 'attachments', parentType: 'Case', createdBy: emu.users.apiUser.id });
	}
	const download = (id: string) =>
		runNode({
			binaryMode,
			credentials: apiKeyCredential(emulator()),
			parameters: { operation: 'download', attachmentId: rl(id), outputBinaryField: 'data' },
		});

	test('A 9 MiB file downloads byte-exact with its name, type and size', async () => {
		const contents = pattern(9 * MiB, 40);
		const attachment = stored(contents);
		const result = await download(attachment.id);
		expect(result.error).toBeUndefined();
		const file = result.items[0].binary!.data;
		expect(file).toMatchObject({ fileName: 'video.mp4', mimeType: 'video/mp4' });
		expect(file.bytes.length).toBe(contents.length);
		expect(sha256(file.bytes)).toBe(sha256(contents));
		expect(file.raw.data).toBe(binaryMode === 'filesystem' ? 'filesystem-v2' : file.raw.data);
	});

	test('A download whose connection drops mid-body is an error, not a file', async () => {
		const emu = emulator();
		const attachment = stored(pattern(3 * MiB, 41), 'cut.mp4');
		emu.faults.add({ method: 'GET', path: `/Attachment/file/${attachment.id}`, action: { drop: 'mid-body' } });
		const result = await download(attachment.id);
		expect(result.status).toBe('error');
		expect(result.items).toEqual([]);
		expect(result.error?.message).toMatch(/cut\.mp4/);
		expect(result.error?.message).toMatch(/cut short|bytes, but EspoCRM records/);
		expect(emu.log.find((e) => e.path === `/Attachment/file/${attachment.id}`)?.status).toBe(200);
	});

	test('A stored file shorter than the size EspoCRM records is an error, not a file', async () => {
		const contents = pattern(2 * MiB, 42);
		const attachment = stored(contents, 'short.mp4');
		fs.truncateSync(path.join(storageDir, attachment.id), MiB + 123);
		const result = await download(attachment.id);
		expect(result.status).toBe('error');
		expect(result.items).toEqual([]);
		expect(result.error?.message).toMatch(new RegExp(`'short\\.mp4' \\(${attachment.id}\\) has ${MiB + 123} bytes, but EspoCRM records ${2 * MiB}`));
		expect(result.error?.description).toMatch(/cut short|incomplete/);
	});
});
