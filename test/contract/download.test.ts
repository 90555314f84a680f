// Observed §4 (GET Attachment/file/{id}), §4.a (GET Attachment/{id} and the list); api §5.1, §5.2.
import type { Api } from './support/client';
import {
	expectAttachmentKeys,
	dataUri,
	DOT_PNG,
	emulatorOnly,
	expectFamilyA,
	expectFamilyB,
	probeUpload,
	startTarget,
	type Target,
	withAdmin,
} from './support/target';

let target: Target;
beforeAll(async () => {
	target = await startTarget();
});
afterAll(() => target.close());

async function upload(overrides: Record<string, unknown> = {}, as: Api = target.api): Promise<string> {
	const reply = await as.post('/Attachment', probeUpload(overrides));
	expect(reply.status).toBe(200);
	return target.track('Attachment', reply.json<{ id: string }>().id, as);
}

const ATTACHMENT_KEYS = [
	'id', 'name', 'deleted', 'type', 'size', 'field', 'isBeingUploaded', 'createdAt', 'role', 'storage', 'storageFilePath',
	'global', 'parentId', 'parentType', 'parentName', 'relatedId', 'relatedType', 'relatedName', 'sourceId', 'createdById', 'createdByName',
];

describe('GET Attachment/file/{id} (observed §4)', () => {
	it('observed §4.01: a text file: Content-Disposition, Content-Length, `Content-type: text/plain;charset=UTF-8`', async () => {
		const id = await upload();
		const reply = await target.api.get(`/Attachment/file/${id}`);
		expect(reply.status).toBe(200);
		expect(reply.header('content-disposition')).toBe('attachment; filename="probe.txt"');
		expect(reply.header('content-length')).toBe('11');
		expect([reply.rawName('content-type'), reply.header('content-type')]).toEqual(['Content-type', 'text/plain;charset=UTF-8']);
		expect(reply.text).toBe('hello probe');
	});

	it('observed §4.02: a PNG: `Content-Type: image/png` (no charset) and the identical bytes', async () => {
		const id = await upload({ name: 'dot.png', type: 'image/png', size: 70, relatedType: undefined, parentType: 'Note', field: 'attachments', file: dataUri(DOT_PNG, 'image/png') });
		const reply = await target.api.get(`/Attachment/file/${id}`);
		expect([reply.rawName('content-type'), reply.header('content-type'), reply.header('content-length')]).toEqual(['Content-Type', 'image/png', '70']);
		expect(reply.body.equals(DOT_PNG)).toBe(true);
	});

	it('observed §4.03: Content-Disposition carries the raw UTF-8 file name (no filename*)', async () => {
		const id = await upload({ name: 'Straße 文件.txt' });
		const reply = await target.api.get(`/Attachment/file/${id}`);
		expect(reply.utf8Header('content-disposition')).toBe('attachment; filename="Straße 文件.txt"');
		expect(Buffer.from(reply.header('content-disposition')!, 'latin1').includes(Buffer.from([0x53, 0x74, 0x72, 0x61, 0xc3, 0x9f, 0x65]))).toBe(true);
	});

	it('observed §4.04: a quote in the name is not escaped', async () => {
		const id = await upload({ name: 'a"b.txt' });
		expect((await target.api.get(`/Attachment/file/${id}`)).header('content-disposition')).toBe('attachment; filename="a"b.txt"');
	});

	it('observed §4.05: a file stored without type is served as `Content-Type: application/json`', async () => {
		const id = await upload({ type: undefined });
		const reply = await target.api.get(`/Attachment/file/${id}`);
		expect([reply.header('content-type'), reply.header('content-length'), reply.text]).toEqual(['application/json', '11', 'hello probe']);
	});

	it('observed §4.06: an unknown id is 404, family B, empty X-Status-Reason', async () => {
		expectFamilyB(await target.api.get('/Attachment/file/0000000000000000f'), 404, '');
	});

	it('observed §4.07: another user\'s unlinked attachment is 403 No \'read\' access. (family B)', async () => {
		const id = await upload();
		expectFamilyB(await target.hmac.get(`/Attachment/file/${id}`), 403, "No 'read' access.");
	});

	it('observed §4.08: the same via GET Attachment/{id} is 403, family A', async () => {
		const id = await upload();
		expectFamilyA(await target.hmac.get(`/Attachment/${id}`), 403, "No 'read' access.");
	});

	it('observed §4.09: HEAD answers the GET headers without a body', async () => {
		const id = await upload();
		const reply = await target.api.head(`/Attachment/file/${id}`);
		expect([reply.status, reply.header('content-length'), reply.header('content-type'), reply.header('content-disposition'), reply.body.length]).toEqual([
			200, '11', 'text/plain;charset=UTF-8', 'attachment; filename="probe.txt"', 0,
		]);
	});

	it('observed §4.10: Range is ignored: 200, the whole file, no Accept-Ranges or Content-Range', async () => {
		const id = await upload();
		const reply = await target.api.get(`/Attachment/file/${id}`, { headers: { Range: 'bytes=0-3' } });
		expect([reply.status, reply.header('content-length'), reply.text]).toEqual([200, '11', 'hello probe']);
		expect([reply.header('accept-ranges'), reply.header('content-range')]).toEqual([undefined, undefined]);
	});

	it('observed §4.11: an empty file: 200, Content-Length 0, text type and Content-Disposition', async () => {
		const id = await upload({ size: 0, file: 'data:text/plain;base64,' });
		const reply = await target.api.get(`/Attachment/file/${id}`);
		expect([reply.status, reply.header('content-length'), reply.header('content-type'), reply.header('content-disposition')]).toEqual([
			200, '0', 'text/plain;charset=UTF-8', 'attachment; filename="probe.txt"',
		]);
	});

	it('observed §4.12: GET Attachment/file/ (no id) is the Slim 404 page', async () => {
		const reply = await target.api.get('/Attachment/file/');
		expect([reply.status, reply.header('content-type')]).toEqual([404, 'text/html;charset=UTF-8']);
		expect(reply.text).toContain('<title>404 Not Found</title>');
	});

	it('observed §4.20: the HMAC user downloads its own upload', async () => {
		const id = await upload({ name: 'dot.png', type: 'image/png', size: 70, relatedType: undefined, parentType: 'Note', field: 'attachments', file: dataUri(DOT_PNG, 'image/png') }, target.hmac);
		const reply = await target.hmac.get(`/Attachment/file/${id}`);
		expect([reply.status, reply.body.equals(DOT_PNG)]).toEqual([200, true]);
	});

	withAdmin('observed §4.21: an admin downloads another user\'s unlinked attachment', async () => {
		const id = await upload();
		expect((await target.admin!.get(`/Attachment/file/${id}`)).text).toBe('hello probe');
	});

	it('observed §4 header order: Content-Disposition, Content-Length, Content-type, then Cache-Control, Expires', async () => {
		const id = await upload();
		const names = (await target.api.get(`/Attachment/file/${id}`)).rawHeaders.map(([name]) => name.toLowerCase());
		const order = ['content-disposition', 'content-length', 'content-type', 'cache-control', 'expires'].map((n) => names.indexOf(n));
		expect(order.every((at) => at >= 0)).toBe(true);
		expect([...order].sort((a, b) => a - b)).toEqual(order);
	});

	it('api §5.1: an attachment linked to a record the other user can read is readable by that user', async () => {
		const id = await upload({ relatedType: undefined, parentType: 'Case', field: 'attachments' });
		const created = await target.api.post('/Case', { name: `Readable ${Date.now()}`, attachmentsIds: [id] });
		target.track('Case', created.json<{ id: string }>().id);
		const reply = await target.hmac.get(`/Attachment/file/${id}`);
		expect([reply.status, reply.text]).toEqual([200, 'hello probe']);
	});

	emulatorOnly('needs the state reader', 'api §5.1: the download is streamed from the stored file (bytes equal the state reader)', async () => {
		const id = await upload();
		const reply = await target.api.get(`/Attachment/file/${id}`);
		expect(reply.body.equals(target.emulator!.state.bytes(id))).toBe(true);
	});
});

describe('GET Attachment/{id} and the list (observed §4.a)', () => {
	it('observed §4.a, §9: 21 keys, always in the observed order; 9.2+ adds modifiedAt (= createdAt while unchanged)', async () => {
		const id = await upload();
		const reply = await target.api.get(`/Attachment/${id}`);
		expect(reply.status).toBe(200);
		const body = reply.json<Record<string, unknown>>();
		expectAttachmentKeys(target, body, ATTACHMENT_KEYS);
		expect(body.modifiedAt).toBe(target.since('9.2') ? body.createdAt : undefined);
	});

	it('observed §4.a: ?select=id,name is ignored for a single read', async () => {
		const id = await upload();
		expectAttachmentKeys(target, (await target.api.get(`/Attachment/${id}?select=id,name`)).json<object>(), ATTACHMENT_KEYS);
	});

	it('observed §4.a: an unknown id is 404 Record <id> does not exist. (family A)', async () => {
		expectFamilyA(await target.api.get('/Attachment/0000000000000000f'), 404, 'Record 0000000000000000f does not exist.');
	});

	it('observed §4.a: GET Attachment (list) as a non-admin is 403 with an empty X-Status-Reason', async () => {
		expectFamilyA(await target.api.get('/Attachment'), 403, '');
	});

	withAdmin('observed §4.a, §9: GET Attachment (list) as admin is {total, list} of 21-key rows (9.2+: 22 with modifiedAt)', async () => {
		await upload();
		const reply = await target.admin!.get('/Attachment?maxSize=5');
		expect(reply.status).toBe(200);
		const body = reply.json<{ total: number; list: object[] }>();
		expect(Object.keys(body)).toEqual(['total', 'list']);
		expect(body.total).toBeGreaterThan(0);
		expectAttachmentKeys(target, body.list[0], ATTACHMENT_KEYS);
	});
});
