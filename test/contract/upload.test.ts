// Observed §2 (POST Attachment, single request) and api §3 (checks, file types); §6.38/6.39 bodies.
import { createHash } from 'node:crypto';

import type { Api, Reply } from './support/client';
import {
	expectAttachmentKeys,
	asUser,
	DATE_TIME,
	dataUri,
	DOT_PNG,
	emulatorOnly,
	ESPO_ID,
	expectFamilyA,
	probeUpload,
	startTarget,
	type Target,
} from './support/target';

let target: Target;
beforeAll(async () => {
	target = await startTarget();
});
afterAll(() => target.close());

/** POST Attachment; a created attachment is deleted after the file. */
async function upload(body: unknown, as: Api = target.api, options: { contentType?: string | null } = {}): Promise<Reply> {
	const reply = await as.post('/Attachment', body, options);
	if (reply.status === 200) target.track('Attachment', reply.json<{ id: string }>().id, as);
	return reply;
}

const CREATE_KEYS_RELATED = [
	'id', 'name', 'deleted', 'type', 'size', 'field', 'isBeingUploaded', 'createdAt', 'role', 'storage',
	'storageFilePath', 'global', 'parentName', 'relatedType', 'relatedName', 'createdById', 'createdByName',
];

describe('success (observed §2.01)', () => {
	it('observed §2.01, §9: the response lists only the attributes that were set, in the observed order (9.2+: and modifiedAt)', async () => {
		const reply = await upload(probeUpload());
		expect(reply.status).toBe(200);
		expect(reply.header('content-type')).toBe('application/json');
		expectAttachmentKeys(target, reply.json<object>(), CREATE_KEYS_RELATED);
	});

	it('observed §9: 9.2+ answers modifiedAt equal to createdAt on create; earlier lines have none', async () => {
		const body = (await upload(probeUpload())).json<Record<string, unknown>>();
		expect(body.modifiedAt).toBe(target.since('9.2') ? body.createdAt : undefined);
	});

	it('observed §2.01: the values: size = real length, role, storage EspoUploadDir, createdAt without T, createdByName', async () => {
		const body = (await upload(probeUpload())).json<Record<string, unknown>>();
		expect(body).toMatchObject({
			name: 'probe.txt',
			deleted: false,
			type: 'text/plain',
			size: 11,
			field: 'file',
			isBeingUploaded: false,
			role: 'Attachment',
			storage: 'EspoUploadDir',
			storageFilePath: null,
			global: false,
			parentName: null,
			relatedType: 'Document',
			relatedName: null,
		});
		expect(body.id).toMatch(ESPO_ID);
		expect(body.createdAt).toMatch(DATE_TIME);
		expect(body.createdById).toMatch(ESPO_ID);
	});

	it('observed §2.01: no parentId, parentType (when null), relatedId or sourceId in the create response (nor modifiedAt before 9.2)', async () => {
		const body = (await upload(probeUpload())).json<object>();
		const absent = ['parentId', 'parentType', 'relatedId', 'sourceId', ...(target.since('9.2') ? [] : ['modifiedAt'])];
		expect(absent.filter((key) => key in body)).toEqual([]);
	});

	it('observed §2.01 (parentType): parentType replaces relatedType in the key list, parentName/relatedName stay', async () => {
		const reply = await upload(probeUpload({ relatedType: undefined, parentType: 'Case', field: 'attachments' }));
		const body = reply.json<Record<string, unknown>>();
		expect(body.parentType).toBe('Case');
		expect(body).not.toHaveProperty('relatedType');
		expectAttachmentKeys(target, body, [
			'id', 'name', 'deleted', 'type', 'size', 'field', 'isBeingUploaded', 'createdAt', 'role', 'storage',
			'storageFilePath', 'global', 'parentType', 'parentName', 'relatedName', 'createdById', 'createdByName',
		]);
	});

	it('observed §2.05: Content-Type application/json; charset=utf-8 is accepted', async () => {
		expect((await upload(probeUpload(), target.api, { contentType: 'application/json; charset=utf-8' })).status).toBe(200);
	});

	it('observed §2.09: role omitted defaults to "Attachment"', async () => {
		const reply = await upload(probeUpload({ role: undefined }));
		expect(reply.json<{ role: string }>().role).toBe('Attachment');
	});

	it('observed §2.23: a smaller declared size is silently corrected to the real length', async () => {
		expect((await upload(probeUpload({ size: 1 }))).json<{ size: number }>().size).toBe(11);
	});

	it('observed §2.24: an empty file is size 0 and downloads with Content-Length: 0', async () => {
		const reply = await upload(probeUpload({ size: 0, file: 'data:text/plain;base64,' }));
		const { id, size } = reply.json<{ id: string; size: number }>();
		expect(size).toBe(0);
		const download = await target.api.get(`/Attachment/file/${id}`);
		expect([download.status, download.header('content-length'), download.body.length]).toEqual([200, '0', 0]);
	});

	it('observed §2.25: with parentType and relatedType, parentType wins and relatedType is dropped', async () => {
		const body = (await upload(probeUpload({ parentType: 'Case', field: 'attachments' }))).json<Record<string, unknown>>();
		expect(body.parentType).toBe('Case');
		expect(body).not.toHaveProperty('relatedType');
	});

	it('observed §2.27: relatedId and parentId are ignored; GET shows both null', async () => {
		const { id } = (await upload(probeUpload({ relatedId: '0123456789abcdef0', parentId: '0123456789abcdef1' }))).json<{ id: string }>();
		const read = (await target.api.get(`/Attachment/${id}`)).json<Record<string, unknown>>();
		expect([read.parentId, read.relatedId]).toEqual([null, null]);
	});

	it('observed §2.28, §9: JSON as PHP json_encode writes it in every line: non-ASCII \\u-escaped, "/" as "\\/"', async () => {
		const reply = await upload(probeUpload({ name: 'Straße 文件.txt' }));
		expect(reply.text).toContain('"name":"Stra\\u00dfe \\u6587\\u4ef6.txt"');
		expect(reply.text).toContain('"type":"text\\/plain"');
		expect(reply.json<{ name: string }>().name).toBe('Straße 文件.txt');
	});

	it('observed §9: an astral character (outside the BMP) is escaped as its UTF-16 surrogate pair', async () => {
		const reply = await upload(probeUpload({ name: 'smile 😀.txt' }));
		expect(reply.text).toContain('"name":"smile \\ud83d\\ude00.txt"');
		expect(reply.json<{ name: string }>().name).toBe('smile 😀.txt');
	});

	it('observed §2.29: a quote in the name is JSON-escaped as \\"', async () => {
		const reply = await upload(probeUpload({ name: 'a"b.txt' }));
		expect(reply.text).toContain('"name":"a\\"b.txt"');
	});

	it('observed §2.30: without type the response has no type key, and GET Attachment/{id} shows type null', async () => {
		const reply = await upload(probeUpload({ type: undefined }));
		const body = reply.json<Record<string, unknown>>();
		expect(body).not.toHaveProperty('type');
		expect((await target.api.get(`/Attachment/${body.id}`)).json<{ type: unknown }>().type).toBeNull();
	});

	it('observed §2.31: a PNG to Note.attachments (parentType Note) is size 70', async () => {
		const body = (await upload({ name: 'dot.png', type: 'image/png', size: 70, role: 'Attachment', parentType: 'Note', field: 'attachments', file: dataUri(DOT_PNG, 'image/png') })).json<Record<string, unknown>>();
		expect([body.size, body.parentType]).toEqual([70, 'Note']);
	});

	it('observed §2.32: a .csv (text/csv) to Document.file is accepted', async () => {
		expect((await upload(probeUpload({ name: 'a.csv', type: 'text/csv', file: dataUri('a,b\n1,2\n', 'text/csv'), size: 8 }))).status).toBe(200);
	});

	it('observed §2.35: the MIME type in the data-URI prefix is ignored; type stays as sent', async () => {
		const body = (await upload(probeUpload({ file: dataUri('hello probe', 'application/pdf') }))).json<{ type: string }>();
		expect(body.type).toBe('text/plain');
	});

	it('observed §2.36: no content sniffing for non-image fields (fake.pdf with text contents is accepted)', async () => {
		expect((await upload(probeUpload({ name: 'fake.pdf' }))).status).toBe(200);
	});
});

describe('errors in the observed order of checks (observed §2)', () => {
	it('observed §2.02: a .png to Document.file is 403 Not allowed file type. (family A, empty body)', async () => {
		expectFamilyA(await upload(probeUpload({ name: 'dot.png', type: 'image/png', file: dataUri(DOT_PNG, 'image/png'), size: 70 })), 403, 'Not allowed file type.');
	});

	it('observed §2.03: no Content-Type header: the body is ignored, 400 No file contents.', async () => {
		expectFamilyA(await upload(JSON.stringify(probeUpload()), target.api, { contentType: null }), 400, 'No file contents.');
	});

	it('observed §2.04: Content-Type text/plain: 400 No file contents.', async () => {
		expectFamilyA(await upload(JSON.stringify(probeUpload()), target.api, { contentType: 'text/plain' }), 400, 'No file contents.');
	});

	it('observed §2.06: no field: 400 No `field` and `parentType`.', async () => {
		expectFamilyA(await upload(probeUpload({ field: undefined })), 400, 'No `field` and `parentType`.');
	});

	it('observed §2.07: neither relatedType nor parentType: the same 400', async () => {
		expectFamilyA(await upload(probeUpload({ relatedType: undefined })), 400, 'No `field` and `parentType`.');
	});

	it('observed §2.08: role "Foo": 403 Role not allowed.', async () => {
		expectFamilyA(await upload(probeUpload({ role: 'Foo' })), 403, 'Role not allowed.');
	});

	it('observed §2.10: a field that does not exist: 403 Field \'nope\' does not exist.', async () => {
		expectFamilyA(await upload(probeUpload({ field: 'nope' })), 403, "Field 'nope' does not exist.");
	});

	it('observed §2.11: a varchar field: 403 Field type \'varchar\' is not allowed for Attachment.', async () => {
		expectFamilyA(await upload(probeUpload({ field: 'name' })), 403, "Field type 'varchar' is not allowed for Attachment.");
	});

	it('observed §2.12: an unknown entity type reads as a missing field', async () => {
		expectFamilyA(await upload(probeUpload({ relatedType: 'Foo' })), 403, "Field 'file' does not exist.");
	});

	it('observed §2.13: User.avatar without access to User: 403 No access to User.', async () => {
		expectFamilyA(await upload(probeUpload({ relatedType: 'User', field: 'avatar', name: 'a.png', type: 'image/png' })), 403, 'No access to User.');
	});

	it('observed §2.14: file without a comma: 400 Bad file contents.', async () => {
		expectFamilyA(await upload(probeUpload({ file: 'aGVsbG8=' })), 400, 'Bad file contents.');
	});

	it('observed §2.15: invalid base64 is accepted and gives size 0', async () => {
		expect((await upload(probeUpload({ file: 'data:text/plain;base64,@@@***' }))).json<{ size: number }>().size).toBe(0);
	});

	it('observed §2.16: invalid characters are skipped: aGVs!!bG8= decodes to "hello" (size 5)', async () => {
		const { id, size } = (await upload(probeUpload({ file: 'data:text/plain;base64,aGVs!!bG8=' }))).json<{ id: string; size: number }>();
		expect(size).toBe(5);
		expect((await target.api.get(`/Attachment/file/${id}`)).text).toBe('hello');
	});

	it('observed §2.17: file missing: 400 No file contents.', async () => {
		expectFamilyA(await upload(probeUpload({ file: undefined })), 400, 'No file contents.');
	});

	it('observed §2.18: file a number: 400 Non-string file contents.', async () => {
		expectFamilyA(await upload(probeUpload({ file: 5 })), 400, 'Non-string file contents.');
	});

	it('observed §2.19: name missing: 400 validationFailure with the messageTranslation body', async () => {
		expectFamilyA(await upload(probeUpload({ name: undefined })), 400, 'Field validation failure; entityType: Attachment, field: name, type: required.', {
			messageTranslation: { label: 'validationFailure', scope: null, data: { field: 'name', type: 'required' } },
		});
	});

	it('observed §2.20: a name without extension (README, text/plain): 403 Not allowed file type.', async () => {
		expectFamilyA(await upload(probeUpload({ name: 'README' })), 403, 'Not allowed file type.');
	});

	it('observed §2.21: README with type application/pdf: still 403 (the type does not rescue it)', async () => {
		expectFamilyA(await upload(probeUpload({ name: 'README', type: 'application/pdf' })), 403, 'Not allowed file type.');
	});

	it('observed §2.22: declared size above attachmentUploadMaxSize: 403', async () => {
		expectFamilyA(await upload(probeUpload({ size: 300000000 })), 403, 'Attachment size exceeds `attachmentUploadMaxSize`.');
	});

	it('observed §2.26: parentType Case with field file: the check runs against Case', async () => {
		expectFamilyA(await upload(probeUpload({ parentType: 'Case' })), 403, "Field 'file' does not exist.");
	});

	it('observed §2.33: role Inline Attachment for a file field: 403', async () => {
		expectFamilyA(await upload(probeUpload({ role: 'Inline Attachment' })), 403, "Field type 'file' is not allowed for Inline Attachment.");
	});

	it('observed §2.34: role Inline Attachment for a text field: 403', async () => {
		expectFamilyA(await upload(probeUpload({ role: 'Inline Attachment', field: 'description' })), 403, "Field type 'text' is not allowed for Inline Attachment.");
	});

	it('observed §2 order: the field check (5) runs before the access check (7) and name validation (8)', async () => {
		expectFamilyA(await upload(probeUpload({ relatedType: 'User', field: 'nope', name: undefined })), 403, "Field 'nope' does not exist.");
	});

	it('observed §2 order: name validation (8) runs before the size (9) and type (10) checks', async () => {
		const reply = await upload(probeUpload({ name: undefined, size: 300000000 }));
		expect([reply.status, reply.header('x-status-reason')]).toEqual([400, 'Field validation failure; entityType: Attachment, field: name, type: required.']);
	});

	it('observed §2 order: the size check (9) runs before the file-type check (10)', async () => {
		expectFamilyA(await upload(probeUpload({ name: 'x.png', size: 300000000 })), 403, 'Attachment size exceeds `attachmentUploadMaxSize`.');
	});

	it('observed §6.38: malformed JSON is 500, family A, no reason, empty body', async () => {
		expectFamilyA(await upload('{bad'), 500, null);
	});

	it('observed §6.39: a JSON array body is 400 No file contents.', async () => {
		expectFamilyA(await upload([1, 2]), 400, 'No file contents.');
	});
});

describe('field types, accept lists and access (api §3.2, §3.3)', () => {
	const inspection = (field: string, name: string, type: string, contents: Buffer, extra: Record<string, unknown> = {}) => ({
		name,
		type,
		size: contents.length,
		role: 'Attachment',
		...(field === 'photo' || field === 'report' ? { relatedType: 'CInspection' } : { parentType: 'CInspection' }),
		field,
		file: dataUri(contents, type),
		...extra,
	});

	emulatorOnly('custom entity CInspection', 'api §3.3: image field: photo.jpg with type image/jpg is 403 Passed type does not correspond to extension.', async () => {
		expectFamilyA(await upload(inspection('photo', 'photo.jpg', 'image/jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0]))), 403, 'Passed type does not correspond to extension.');
	});

	emulatorOnly('custom entity CInspection', 'api §3.3: image field: an extension that is not an image type is 403 Not allowed file type.', async () => {
		expectFamilyA(await upload(inspection('photo', 'photo.txt', 'text/plain', Buffer.from('x'))), 403, 'Not allowed file type.');
	});

	emulatorOnly('custom entity CInspection', 'api §3.3: image field: a real PNG named .png with type image/png is accepted', async () => {
		expect((await upload(inspection('photo', 'dot.png', 'image/png', DOT_PNG))).status).toBe(200);
	});

	emulatorOnly('custom entity CInspection (and fileinfo on a real server)', 'api §3.3: image field: text contents named .png are 403 Detected mime type does not correspond to extension.', async () => {
		expectFamilyA(await upload(inspection('photo', 'fake.png', 'image/png', Buffer.from('not a png'))), 403, 'Detected mime type does not correspond to extension.');
	});

	emulatorOnly('custom entity CInspection', 'api §3.3: a File field with accept [.pdf] takes a .pdf and refuses a .txt', async () => {
		expect((await upload(inspection('report', 'r.pdf', 'application/pdf', Buffer.from('%PDF-1.4')))).status).toBe(200);
		expectFamilyA(await upload(inspection('report', 'r.txt', 'text/plain', Buffer.from('x'))), 403, 'Not allowed file type.');
	});

	emulatorOnly('custom entity CInspection', 'api §3.3: an Attachment-Multiple field with accept image/* takes a .png by MIME type and refuses a .txt', async () => {
		expect((await upload(inspection('photos', 'dot.png', 'image/png', DOT_PNG))).status).toBe(200);
		expectFamilyA(await upload(inspection('photos', 'a.txt', 'text/plain', Buffer.from('x'))), 403, 'Not allowed file type.');
	});

	emulatorOnly('custom entity CInspection', 'api §3.2: a field\'s maxFileSize (report: 10 MB) overrides attachmentUploadMaxSize', async () => {
		const reply = await upload(inspection('report', 'r.pdf', 'application/pdf', Buffer.from('%PDF'), { size: 11 * 1024 * 1024 }));
		expectFamilyA(reply, 403, 'Attachment size exceeds `attachmentUploadMaxSize`.');
	});

	emulatorOnly('needs a read-only user', 'api §3.2 row 7: without create or edit access to the entity type: 403 No access to Case.', async () => {
		expectFamilyA(await upload(probeUpload({ relatedType: undefined, parentType: 'Case', field: 'attachments' }), asUser(target, 'readOnlyUser')), 403, 'No access to Case.');
	});

	emulatorOnly('needs a user without Document', 'api §3.2 row 7: a user without access to Document: 403 No access to Document.', async () => {
		expectFamilyA(await upload(probeUpload(), asUser(target, 'noDocumentUser')), 403, 'No access to Document.');
	});

	emulatorOnly('needs field-level ACL', 'api §3.2 row 8: without edit access to Case.attachments: 403 No access to field \'attachments\'.', async () => {
		expectFamilyA(await upload(probeUpload({ relatedType: undefined, parentType: 'Case', field: 'attachments' }), asUser(target, 'noFieldAccessUser')), 403, "No access to field 'attachments'.");
	});

	emulatorOnly('needs the settings switch', 'api §3.2: attachmentUploadMaxSize comes from the settings (setSettings)', async () => {
		target.emulator!.setSettings({ attachmentUploadMaxSize: 1 });
		try {
			expectFamilyA(await upload(probeUpload({ size: 2 * 1024 * 1024 })), 403, 'Attachment size exceeds `attachmentUploadMaxSize`.');
			expect((await target.api.get('/App/user')).json<{ settings: { attachmentUploadMaxSize: number } }>().settings.attachmentUploadMaxSize).toBe(1);
		} finally {
			target.emulator!.setSettings({ attachmentUploadMaxSize: 256 });
		}
	});

	emulatorOnly('needs the state reader', 'observed §2.01: the decoded bytes are what is stored (sha256 of the stored file)', async () => {
		const contents = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));
		const { id } = (await upload(probeUpload({ name: 'bytes.txt', size: contents.length, file: dataUri(contents) }))).json<{ id: string }>();
		expect(target.emulator!.state.sha256(id)).toBe(createHash('sha256').update(contents).digest('hex'));
		expect(target.emulator!.state.attachment(id)).toMatchObject({ size: 3000, createdById: target.emulator!.users.apiUser.id });
	});

	emulatorOnly('big body in memory', 'observed §7: a 32 MiB file in one request is stored byte for byte', async () => {
		const contents = Buffer.alloc(32 * 1024 * 1024, 7);
		const reply = await upload(probeUpload({ name: 'big.txt', size: contents.length, file: dataUri(contents) }));
		expect(reply.json<{ size: number }>().size).toBe(contents.length);
		expect(target.emulator!.state.sha256(reply.json<{ id: string }>().id)).toBe(createHash('sha256').update(contents).digest('hex'));
	}, 180_000); // a byte-for-byte check, not a time budget: generous for a busy machine
});
