// Observed §6: copy, delete, Metadata, unknown controllers and routes (api §5.2, §5.3).
import type { Api } from './support/client';
import {
	expectAttachmentKeys,
	asUser,
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

type Json = Record<string, unknown>;

async function upload(overrides: Record<string, unknown> = {}, as: Api = target.api): Promise<string> {
	const reply = await as.post('/Attachment', probeUpload(overrides));
	expect(reply.status).toBe(200);
	return target.track('Attachment', reply.json<{ id: string }>().id, as);
}

async function copy(id: string, body: Json): Promise<Json> {
	const reply = await target.api.post(`/Attachment/copy/${id}`, body);
	expect(reply.status).toBe(200);
	const copied = reply.json<Json>();
	target.track('Attachment', copied.id as string);
	return copied;
}

const COPY_KEYS = [
	'id', 'name', 'deleted', 'type', 'size', 'field', 'isBeingUploaded', 'createdAt', 'role', 'storage',
	'storageFilePath', 'global', 'parentType', 'relatedType', 'sourceId', 'createdById',
];

describe('POST Attachment/copy/{id} (observed §6.01–6.06)', () => {
	it('observed §6.01, §9: copy to Case.attachments: 16 keys (9.2+: and modifiedAt = createdAt), parentType Case, relatedType null, sourceId the source', async () => {
		const source = await upload();
		const copied = await copy(source, { field: 'attachments', parentType: 'Case' });
		expectAttachmentKeys(target, copied, COPY_KEYS);
		expect(copied.modifiedAt).toBe(target.since('9.2') ? copied.createdAt : undefined);
		expect(copied).toMatchObject({ field: 'attachments', parentType: 'Case', relatedType: null, sourceId: source, role: 'Attachment', storage: 'EspoUploadDir' });
		expect(copied.id).not.toBe(source);
	});

	it('observed §6.02: copy to Document.file via relatedType', async () => {
		const source = await upload();
		expect(await copy(source, { field: 'file', relatedType: 'Document' })).toMatchObject({ parentType: null, relatedType: 'Document', sourceId: source });
	});

	it('observed §6.03: {} is 400 No `field`. (family B)', async () => {
		expectFamilyB(await target.api.post(`/Attachment/copy/${await upload()}`, {}), 400, 'No `field`.');
	});

	it('observed §6.04: {field} alone is 400 No parentType and relatedType.', async () => {
		expectFamilyB(await target.api.post(`/Attachment/copy/${await upload()}`, { field: 'file' }), 400, 'No parentType and relatedType.');
	});

	it('observed §6.05: copying a non-existent id is 404 with an empty reason (family B)', async () => {
		expectFamilyB(await target.api.post('/Attachment/copy/0000000000000000f', { field: 'file', relatedType: 'Document' }), 404, '');
	});

	it('observed §6.06: the copy downloads the source\'s bytes', async () => {
		const copied = await copy(await upload(), { field: 'attachments', parentType: 'Case' });
		const reply = await target.api.get(`/Attachment/file/${copied.id}`);
		expect([reply.status, reply.header('content-type'), reply.text]).toEqual([200, 'text/plain;charset=UTF-8', 'hello probe']);
	});

	it('api §5.3: the copy target passes the upload checks (a varchar field is 403, family B)', async () => {
		expectFamilyB(await target.api.post(`/Attachment/copy/${await upload()}`, { field: 'name', relatedType: 'Document' }), 403, "Field type 'varchar' is not allowed for Attachment.");
	});

	it('api §5.3: another user\'s unlinked attachment cannot be copied (403 No \'read\' access.)', async () => {
		const foreign = await upload({}, target.hmac);
		expectFamilyB(await target.api.post(`/Attachment/copy/${foreign}`, { field: 'file', relatedType: 'Document' }), 403, "No 'read' access.");
	});

	emulatorOnly('needs the state reader', 'api §5.3: the copy shares the stored file (no byte copy)', async () => {
		const source = await upload();
		const copied = await copy(source, { field: 'attachments', parentType: 'Case' });
		const { state } = target.emulator!;
		expect(state.attachment(copied.id as string)?.sourceId).toBe(source);
		expect(state.sha256(copied.id as string)).toBe(state.sha256(source));
	});
});

describe('DELETE Attachment/{id} (observed §6.07–6.11)', () => {
	it('observed §6.07: deleting my own attachment is 200 true', async () => {
		const reply = await target.api.delete(`/Attachment/${await upload()}`);
		expect([reply.status, reply.header('content-type'), reply.text]).toEqual([200, 'application/json', 'true']);
	});

	it('observed §6.08: deleting it again is 404 Record <id> not found.', async () => {
		const id = await upload();
		await target.api.delete(`/Attachment/${id}`);
		expectFamilyA(await target.api.delete(`/Attachment/${id}`), 404, `Record ${id} not found.`);
	});

	it('observed §6.09: deleting another user\'s attachment is 403 No delete access.', async () => {
		expectFamilyA(await target.api.delete(`/Attachment/${await upload({}, target.hmac)}`), 403, 'No delete access.');
	});

	it('observed §6.10–6.11: after deleting the source of a copy, the copy still downloads', async () => {
		const source = await upload();
		const copied = await copy(source, { field: 'attachments', parentType: 'Case' });
		expect((await target.api.delete(`/Attachment/${source}`)).status).toBe(200);
		expect((await target.api.get(`/Attachment/file/${copied.id}`)).text).toBe('hello probe');
	});

	emulatorOnly('needs the state reader', 'api §5.2: the file goes when the last attachment sharing it is deleted', async () => {
		const source = await upload();
		const copied = await copy(source, { field: 'attachments', parentType: 'Case' });
		await target.api.delete(`/Attachment/${source}`);
		expect(target.emulator!.state.hasFile(copied.id as string)).toBe(true);
		await target.api.delete(`/Attachment/${copied.id}`);
		expect(target.emulator!.state.hasFile(copied.id as string)).toBe(false);
		expect(target.emulator!.state.attachment(source)?.deleted).toBe(true);
	});

	withAdmin('observed §5.11f: an admin downloading a deleted attachment whose file is gone gets 500 (family B, no reason)', async () => {
		const id = await upload();
		await target.api.delete(`/Attachment/${id}`);
		expectFamilyB(await target.admin!.get(`/Attachment/file/${id}`), 500, null);
	});
});

describe('GET Metadata (observed §6.12–6.19)', () => {
	it('observed §6.12: key=entityDefs.Document.fields.file is the required file field with the accept list', async () => {
		const reply = await target.api.get('/Metadata?key=entityDefs.Document.fields.file');
		expect(reply.status).toBe(200);
		expect(reply.json()).toMatchObject({
			type: 'file',
			required: true,
			accept: ['.pdf', '.odt', '.ods', '.odp', '.docx', '.xlsx', '.pptx', '.doc', '.xls', '.ppt', '.rtf', '.csv', '.md', '.txt'],
		});
	});

	it('observed §6.13: Note.attachments is attachmentMultiple without accept', async () => {
		const fields = (await target.api.get('/Metadata?key=entityDefs.Note.fields')).json<Record<string, Json>>();
		expect(fields.attachments.type).toBe('attachmentMultiple');
		expect(fields.attachments).not.toHaveProperty('accept');
	});

	it('observed §6.14: key=scopes answers the scopes the user can see', async () => {
		const scopes = (await target.api.get('/Metadata?key=scopes')).json<Record<string, Json>>();
		for (const scope of ['Document', 'Case', 'Note', 'Account']) expect(scopes).toHaveProperty(scope);
	});

	emulatorOnly('needs a user without Document', 'observed §6.14: scopes and entityDefs are filtered by ACL', async () => {
		const noDocument = asUser(target, 'noDocumentUser');
		expect((await noDocument.get('/Metadata?key=scopes')).json<object>()).not.toHaveProperty('Document');
		expect((await noDocument.get('/Metadata?key=entityDefs.Document')).text).toBe('');
		expect((await target.api.get('/Metadata?key=scopes')).json<object>()).not.toHaveProperty('User');
	});

	it('observed §6.16: without key the whole object (app, entityDefs, fields, scopes …)', async () => {
		const metadata = (await target.api.get('/Metadata')).json<object>();
		for (const key of ['app', 'clientDefs', 'entityDefs', 'fields', 'scopes']) expect(metadata).toHaveProperty(key);
	});

	it('observed §6.18: an unknown key is 200 with a 0-byte body', async () => {
		const reply = await target.api.get('/Metadata?key=nope.nothing');
		expect([reply.status, reply.header('content-type'), reply.body.length]).toEqual([200, 'application/json', 0]);
	});

	it('observed §6.19: entityDefs.Foo is 200 with a 0-byte body', async () => {
		const reply = await target.api.get('/Metadata?key=entityDefs.Foo');
		expect([reply.status, reply.body.length]).toEqual([200, 0]);
	});

	emulatorOnly('custom entity CInspection', 'issue #3: CInspection declares photo (image), report (file, accept .pdf) and photos (accept image/*)', async () => {
		const fields = (await target.api.get('/Metadata?key=entityDefs.CInspection.fields')).json<Record<string, Json>>();
		expect(fields.photo.type).toBe('image');
		expect(fields.report).toMatchObject({ type: 'file', accept: ['.pdf'] });
		expect(fields.attachments.type).toBe('attachmentMultiple');
		expect(fields.photos).toMatchObject({ type: 'attachmentMultiple', accept: ['image/*'] });
	});

	emulatorOnly('the demo entity types', 'observed §5.d, §9: optimisticConcurrencyControl is on KnowledgeBaseArticle (8.4), plus Account, Case, Opportunity and Task from 9.1; the custom CWorkOrder has it turned on', async () => {
		const defs = (await target.api.get('/Metadata?key=entityDefs')).json<Record<string, Json>>();
		const occ = Object.keys(defs).filter((e) => defs[e].optimisticConcurrencyControl === true);
		expect(occ.sort()).toEqual(target.since('9.1') ? ['Account', 'CWorkOrder', 'Case', 'KnowledgeBaseArticle', 'Opportunity', 'Task'] : ['CWorkOrder', 'KnowledgeBaseArticle']);
	});
});

describe('routes and controllers (observed §6.26–6.34)', () => {
	it('observed §6.26: GET Foo/1 is 404 Controller \'Foo\' does not exist.', async () => {
		expectFamilyA(await target.api.get('/Foo/1'), 404, "Controller 'Foo' does not exist.");
	});

	it('observed §6.27: GET Foo is the same 404', async () => {
		expectFamilyA(await target.api.get('/Foo'), 404, "Controller 'Foo' does not exist.");
	});

	it('observed §6.28: a path no route matches is Slim\'s 665-byte HTML page (family C)', async () => {
		const reply = await target.api.get('/Foo/bar/baz/qux/quux');
		expect([reply.status, reply.rawName('content-type'), reply.header('content-type'), reply.header('x-status-reason')]).toEqual([404, 'Content-type', 'text/html;charset=UTF-8', undefined]);
		expect(reply.text.startsWith('<!doctype html><html lang="en">')).toBe(true);
		expect(reply.text).toContain('<title>404 Not Found</title>');
		expect(reply.body.length).toBe(665);
	});

	it('observed §6.28: the unknown route is answered before authentication (same page without credentials)', async () => {
		const reply = await target.anonymous.get('/Foo/bar/baz/qux/quux');
		expect([reply.status, reply.body.length]).toEqual([404, 665]);
	});

	it('observed §6.30: DELETE App/user falls through to the generic route: Controller \'App\' does not exist.', async () => {
		expectFamilyA(await target.api.delete('/App/user'), 404, "Controller 'App' does not exist.");
	});
});
