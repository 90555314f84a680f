// Observed §3 (chunked upload) and api §4.2.
import { createHash } from 'node:crypto';

import type { Api } from './support/client';
import { expectAttachmentKeys, DOT_PNG, emulatorOnly, expectFamilyA, expectFamilyB, startTarget, type Target } from './support/target';

let target: Target;
beforeAll(async () => {
	target = await startTarget();
});
afterAll(() => target.close());

async function createUpload(overrides: Record<string, unknown> = {}, as: Api = target.api): Promise<string> {
	const reply = await as.post('/Attachment', {
		name: 'chunked.txt',
		type: 'text/plain',
		size: 10,
		role: 'Attachment',
		relatedType: 'Document',
		field: 'file',
		isBeingUploaded: true,
		...overrides,
	});
	expect(reply.status).toBe(200);
	return target.track('Attachment', reply.json<{ id: string }>().id, as);
}

/** A chunk as the web UI sends it: a JSON string literal holding a data URL (api §4.1). */
const jsonChunk = (api: Api, id: string, contents: string | Buffer) =>
	api.post(`/Attachment/chunk/${id}`, `data:application/octet-stream;base64,${Buffer.from(contents).toString('base64')}`);

/** A raw (non-JSON) chunk body (observed §3.05). */
const rawChunk = (api: Api, id: string, body: string) =>
	api.post(`/Attachment/chunk/${id}`, Buffer.from(body), { contentType: 'application/octet-stream' });

describe('a chunked upload from start to end (observed §3.01–3.07)', () => {
	let id: string;

	it('observed §3.01, §9: the create answers like §2.01 with size as declared and isBeingUploaded true (17 keys; 9.2+: and modifiedAt)', async () => {
		const reply = await target.api.post('/Attachment', {
			name: 'chunked.txt', type: 'text/plain', size: 10, role: 'Attachment', relatedType: 'Document', field: 'file', isBeingUploaded: true,
		});
		expect(reply.status).toBe(200);
		const body = reply.json<Record<string, unknown>>();
		id = target.track('Attachment', body.id as string);
		expectAttachmentKeys(target, body, [
			'id', 'name', 'deleted', 'type', 'size', 'field', 'isBeingUploaded', 'createdAt', 'role', 'storage',
			'storageFilePath', 'global', 'parentName', 'relatedType', 'relatedName', 'createdById', 'createdByName',
		]);
		expect([body.size, body.isBeingUploaded, body.modifiedAt]).toEqual([10, true, target.since('9.2') ? body.createdAt : undefined]);
	});

	it('observed §3.02: a JSON-string chunk is answered true (application/json)', async () => {
		const reply = await target.api.post(`/Attachment/chunk/${id}`, 'data:text/plain;base64,YWJjZA==');
		expect([reply.status, reply.header('content-type'), reply.text]).toEqual([200, 'application/json', 'true']);
	});

	it('observed §3.03: while incomplete, the download serves the partial bytes with Content-Length 4', async () => {
		const reply = await target.api.get(`/Attachment/file/${id}`);
		expect([reply.status, reply.text, reply.header('content-length'), reply.header('content-type')]).toEqual([200, 'abcd', '4', 'text/plain;charset=UTF-8']);
		expect(reply.utf8Header('content-disposition')).toBe('attachment; filename="chunked.txt"');
	});

	it('observed §3.04: GET Attachment/{id} while incomplete shows the declared size and isBeingUploaded true', async () => {
		expect((await target.api.get(`/Attachment/${id}`)).json()).toMatchObject({ size: 10, isBeingUploaded: true });
	});

	it('observed §3.05: a raw data-URL body (application/octet-stream) is accepted and completes the upload', async () => {
		const reply = await rawChunk(target.api, id, 'data:text/plain;base64,ZWZnaGlq');
		expect([reply.status, reply.text]).toEqual([200, 'true']);
	});

	it('observed §3.06: after the last byte isBeingUploaded is false, size 10', async () => {
		expect((await target.api.get(`/Attachment/${id}`)).json()).toMatchObject({ size: 10, isBeingUploaded: false });
	});

	it('observed §3.07: the download is the chunks in order, Content-Length 10', async () => {
		const reply = await target.api.get(`/Attachment/file/${id}`);
		expect([reply.text, reply.header('content-length')]).toEqual(['abcdefghij', '10']);
	});

	it('observed §3.08: another chunk after completion is 403 Attachment is not being-uploaded. (family B)', async () => {
		expectFamilyB(await rawChunk(target.api, id, 'data:text/plain;base64,YQ=='), 403, 'Attachment is not being-uploaded.');
	});
});

describe('overshoot and a missing size (observed §3.09–3.15)', () => {
	it('observed §3.09–3.10: a chunk past the declared size is 500 File size mismatch. (family B)', async () => {
		const id = await createUpload({ size: 5 });
		expectFamilyB(await jsonChunk(target.api, id, 'abcdef'), 500, 'File size mismatch.');
	});

	it('observed §3.11–3.12: after an overshoot the upload stays being-uploaded and the bytes WERE appended', async () => {
		const id = await createUpload({ size: 5 });
		await jsonChunk(target.api, id, 'abcdef');
		expect((await target.api.get(`/Attachment/${id}`)).json()).toMatchObject({ size: 5, isBeingUploaded: true });
		const download = await target.api.get(`/Attachment/file/${id}`);
		expect([download.text, download.header('content-length')]).toEqual(['abcdef', '6']);
	});

	it('observed §3.13: every further chunk is 500 File size mismatch.', async () => {
		const id = await createUpload({ size: 5 });
		await jsonChunk(target.api, id, 'abcdef');
		expectFamilyB(await jsonChunk(target.api, id, 'g'), 500, 'File size mismatch.');
	});

	it('observed §3.14: isBeingUploaded without size is accepted; the response has no size key', async () => {
		const id = await createUpload({ size: undefined });
		expect((await target.api.get(`/Attachment/${id}`)).json<{ size: unknown }>().size).toBeNull();
	});

	it('observed §3.14 (response): the create response of a size-less upload has no size key', async () => {
		const reply = await target.api.post('/Attachment', { name: 'n.txt', type: 'text/plain', role: 'Attachment', relatedType: 'Document', field: 'file', isBeingUploaded: true });
		target.track('Attachment', reply.json<{ id: string }>().id);
		expect(reply.json<object>()).not.toHaveProperty('size');
	});

	it('observed §3.15: the first chunk of a size-less upload is 500 File size mismatch.', async () => {
		const id = await createUpload({ size: undefined });
		expectFamilyB(await jsonChunk(target.api, id, 'abcd'), 500, 'File size mismatch.');
	});
});

describe('chunk errors (observed §3.16–3.24)', () => {
	it('observed §3.16: a chunk for an unknown id is 404 with an empty X-Status-Reason (family B)', async () => {
		expectFamilyB(await jsonChunk(target.api, '0000000000000000f', 'abcd'), 404, '');
	});

	it('observed §3.17: an empty chunk body is 400 with an empty X-Status-Reason', async () => {
		const id = await createUpload();
		expectFamilyB(await target.api.post(`/Attachment/chunk/${id}`, Buffer.alloc(0), { contentType: 'application/octet-stream' }), 400, '');
	});

	it('observed §3.19: a body without ";base64," is 400 Bad file data.', async () => {
		const id = await createUpload();
		expectFamilyB(await rawChunk(target.api, id, 'abcd'), 400, 'Bad file data.');
	});

	it('observed §3.20: create with isBeingUploaded and a file: the file is ignored, size as declared, still being-uploaded', async () => {
		const id = await createUpload({ size: 4, file: 'data:text/plain;base64,YWJjZA==' });
		expect((await target.api.get(`/Attachment/${id}`)).json()).toMatchObject({ size: 4, isBeingUploaded: true });
		expect((await target.api.get(`/Attachment/file/${id}`)).body.length).toBe(0);
	});

	it('observed §3.21: the type check runs at create: c.png for Document.file is 403 (family A)', async () => {
		const reply = await target.api.post('/Attachment', { name: 'c.png', type: 'image/png', size: 70, role: 'Attachment', relatedType: 'Document', field: 'file', isBeingUploaded: true });
		expectFamilyA(reply, 403, 'Not allowed file type.');
	});

	it('observed §3.22: a declared size above the maximum is 403 at create', async () => {
		const reply = await target.api.post('/Attachment', { name: 'big.txt', type: 'text/plain', size: 300000000, role: 'Attachment', relatedType: 'Document', field: 'file', isBeingUploaded: true });
		expectFamilyA(reply, 403, 'Attachment size exceeds `attachmentUploadMaxSize`.');
	});

	it('observed §3.24: another user posting a chunk to my upload is 403 No \'read\' access. (family B)', async () => {
		const id = await createUpload();
		expectFamilyB(await jsonChunk(target.hmac, id, 'abcd'), 403, "No 'read' access.");
	});

	emulatorOnly('needs the settings switch', 'api §4.2: current + chunk above the maximum is 403 Max attachment size exceeded. (before appending)', async () => {
		target.emulator!.setSettings({ attachmentUploadMaxSize: 1 });
		try {
			const id = await createUpload({ size: 1024 * 1024 });
			expectFamilyB(await jsonChunk(target.api, id, Buffer.alloc(1024 * 1024 + 1)), 403, 'Max attachment size exceeded.');
			expect(target.emulator!.state.fileSize(id)).toBe(0);
		} finally {
			target.emulator!.setSettings({ attachmentUploadMaxSize: 256 });
		}
	});

	emulatorOnly('custom entity CInspection', 'api §3.3: an image field checks the contents on the last chunk; a mismatch deletes the attachment (403)', async () => {
		const id = await createUpload({ name: 'fake.png', type: 'image/png', size: 9, relatedType: 'CInspection', field: 'photo' });
		expectFamilyB(await jsonChunk(target.api, id, 'not a png'), 403, 'Detected mime type does not correspond to extension.');
		expect(target.emulator!.state.attachment(id)?.deleted).toBe(true);
	});

	emulatorOnly('custom entity CInspection', 'api §3.3: a real PNG sent in chunks to an image field completes', async () => {
		const id = await createUpload({ name: 'dot.png', type: 'image/png', size: DOT_PNG.length, relatedType: 'CInspection', field: 'photo' });
		await jsonChunk(target.api, id, DOT_PNG.subarray(0, 30));
		expect((await jsonChunk(target.api, id, DOT_PNG.subarray(30))).text).toBe('true');
		expect((await target.api.get(`/Attachment/${id}`)).json()).toMatchObject({ isBeingUploaded: false, size: 70 });
	});
});

describe('many chunks (api §4.1)', () => {
	it('api §4.1: chunks are appended in order; the result is byte-identical (1 MiB in 7 uneven chunks)', async () => {
		const contents = Buffer.from(Array.from({ length: 1024 * 1024 }, (_, i) => (i * 31) % 256));
		const id = await createUpload({ name: 'bytes.txt', size: contents.length });
		const cuts = [0, 1, 100_000, 100_003, 500_000, 777_777, 1_000_000, contents.length];
		for (let i = 0; i < cuts.length - 1; i += 1) expect((await jsonChunk(target.api, id, contents.subarray(cuts[i], cuts[i + 1]))).text).toBe('true');
		const download = await target.api.get(`/Attachment/file/${id}`);
		expect(createHash('sha256').update(download.body).digest('hex')).toBe(createHash('sha256').update(contents).digest('hex'));
	});

	it('api §4.2: a trailing `"` and escaped slashes in a JSON-string chunk are skipped by the non-strict decoder', async () => {
		const id = await createUpload({ size: 3 });
		// ff ff ff is `////` in base64; a PHP client JSON-encodes the slashes as `\/`.
		const body = String.raw`"data:application\/octet-stream;base64,\/\/\/\/"`;
		const reply = await target.api.post(`/Attachment/chunk/${id}`, Buffer.from(body), { contentType: 'application/json' });
		expect(reply.text).toBe('true');
		expect([...(await target.api.get(`/Attachment/file/${id}`)).body]).toEqual([0xff, 0xff, 0xff]);
	});
});
