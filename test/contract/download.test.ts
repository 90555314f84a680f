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

// The list is RecordBase's list behind an admin check (`Controllers/Attachment::getActionList`, api §5.2),
// so `where`, `select`, `orderBy` and `maxSize` work as on any entity list (api §6.5, observed §6.20–6.25).
// This is how an admin finds the leftovers of an interrupted chunked upload (README, Queue mode).
describe('GET Attachment (list) as admin: where, select, orderBy (api §5.2, §6.5; observed §4.a, §6.20, §6.25)', () => {
	const unfinished = async (): Promise<string> => {
		const reply = await target.api.post('/Attachment', {
			name: 'interrupted.txt', type: 'text/plain', size: 10, role: 'Attachment', relatedType: 'Document', field: 'file', isBeingUploaded: true,
		});
		expect(reply.status).toBe(200);
		const id = target.track('Attachment', reply.json<{ id: string }>().id);
		expect((await target.api.post(`/Attachment/chunk/${id}`, 'data:text/plain;base64,YWJjZA==')).status).toBe(200); // 4 of 10 bytes
		return id;
	};
	type Row = Record<string, unknown> & { id: string };
	const list = async (query: string): Promise<{ total: number; list: Row[] }> => {
		const reply = await target.admin!.get(`/Attachment?${query}`);
		expect([reply.status, reply.header('content-type')]).toEqual([200, 'application/json']);
		return reply.json<{ total: number; list: Row[] }>();
	};

	withAdmin('where isTrue isBeingUploaded lists the unfinished upload and not a finished one; every row listed is unfinished', async () => {
		const open = await unfinished();
		const done = await upload();
		const body = await list('where[0][type]=isTrue&where[0][attribute]=isBeingUploaded&maxSize=200');
		const ids = body.list.map((row) => row.id);
		expect([ids.includes(open), ids.includes(done)]).toEqual([true, false]);
		expect(body.list.filter((row) => row.isBeingUploaded !== true)).toEqual([]);
		expect(body.list.find((row) => row.id === open)).toMatchObject({ name: 'interrupted.txt', size: 10, isBeingUploaded: true, parentId: null, relatedId: null });
	});

	withAdmin('where equals id, and of [isTrue, equals id], isFalse: exactly the rows that match', async () => {
		const open = await unfinished();
		const done = await upload();
		const ids = async (query: string) => (await list(query)).list.map((row) => row.id);
		expect(await ids(`where[0][type]=equals&where[0][attribute]=id&where[0][value]=${open}`)).toEqual([open]);
		const both = `where[0][type]=and&where[0][value][0][type]=isTrue&where[0][value][0][attribute]=isBeingUploaded&where[0][value][1][type]=equals&where[0][value][1][attribute]=id&where[0][value][1][value]=`;
		expect([await ids(both + open), await ids(both + done)]).toEqual([[open], []]);
		const finished = (id: string) => `where[0][type]=isFalse&where[0][attribute]=isBeingUploaded&where[1][type]=equals&where[1][attribute]=id&where[1][value]=${id}`;
		expect([await ids(finished(open)), await ids(finished(done))]).toEqual([[], [done]]);
		const searchParams = encodeURIComponent(JSON.stringify({ where: [{ type: 'equals', attribute: 'id', value: done }] }));
		expect(await ids(`searchParams=${searchParams}`)).toEqual([done]);
	});

	withAdmin('default order is createdAt desc (entityDefs/Attachment.json collection), orderBy=createdAt&order=asc reverses it', async () => {
		const first = await upload();
		const second = await upload();
		const pair = `where[0][type]=in&where[0][attribute]=id&where[0][value][]=${first}&where[0][value][]=${second}`;
		const desc = (await list(pair)).list;
		const asc = (await list(`${pair}&orderBy=createdAt&order=asc`)).list;
		// Two uploads in one second tie on createdAt; ties are ordered by id in the same direction (Select/Order/Applier).
		expect(desc.map((row) => row.id)).toEqual(asc.map((row) => row.id).reverse());
		expect(String(desc[0].createdAt) >= String(desc[1].createdAt)).toBe(true);
	});

	withAdmin('select=id,name,size: id, the order attribute createdAt and createdById come along (as observed §6.20 for Case)', async () => {
		const open = await unfinished();
		const [row] = (await list(`select=id,name,size&where[0][type]=equals&where[0][attribute]=id&where[0][value]=${open}`)).list;
		expect(Object.keys(row).sort()).toEqual(['createdAt', 'createdById', 'id', 'name', 'size']);
		expect([row.name, row.size]).toEqual(['interrupted.txt', 10]);
	});

	withAdmin('textFilter matches the start of the name (Espo\'s default text filter, as observed §6.22 for Document)', async () => {
		const open = await unfinished();
		const done = await upload();
		const ids = (await list(`textFilter=interrupted&where[0][type]=in&where[0][attribute]=id&where[0][value][]=${open}&where[0][value][]=${done}`)).list.map((row) => row.id);
		expect(ids).toEqual([open]);
	});

	withAdmin('observed §6.25: maxSize above 200 is 403 "Max size should not exceed 200. Use offset and limit."', async () => {
		expectFamilyA(await target.admin!.get('/Attachment?maxSize=201'), 403, 'Max size should not exceed 200. Use offset and limit.');
	});

	it('observed §4.a: the filtered list is still 403 for a non-admin', async () => {
		expectFamilyA(await target.api.get('/Attachment?where[0][type]=isTrue&where[0][attribute]=isBeingUploaded'), 403, '');
	});
});
