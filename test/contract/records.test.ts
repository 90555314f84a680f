// Observed §5 (records and linking), §6.20–6.41 (lists and record errors); api §6.
import { OCC_RACE_WINDOW_MS } from '../emulator/records';
import type { Api } from './support/client';
import {
	asUser,
	DATE_TIME,
	dataUri,
	emulatorOnly,
	expectFamilyA,
	expectFamilyB,
	probeUpload,
	runId,
	startTarget,
	type Target,
	withAdmin,
} from './support/target';

let target: Target;
const run = runId();
beforeAll(async () => {
	target = await startTarget();
});
afterAll(() => target.close());

type Json = Record<string, unknown>;

async function upload(name: string, overrides: Record<string, unknown> = {}, as: Api = target.api): Promise<string> {
	const reply = await as.post('/Attachment', probeUpload({ name, ...overrides }));
	expect(reply.status).toBe(200);
	return target.track('Attachment', reply.json<{ id: string }>().id, as);
}

const uploadFor = (entityType: string, field: string, name: string, as: Api = target.api) =>
	upload(name, { relatedType: undefined, parentType: entityType, field }, as);

async function create(entityType: string, data: Json, as: Api = target.api): Promise<Json> {
	const reply = await as.post(`/${entityType}`, data);
	expect(reply.status).toBe(200);
	const body = reply.json<Json>();
	target.track(entityType, body.id as string, as);
	return body;
}

const attachment = async (id: string, as: Api = target.api) => (await as.get(`/Attachment/${id}`)).json<Json>();

const validation = (entityType: string, field: string) => ({
	reason: `Field validation failure; entityType: ${entityType}, field: ${field}, type: required.`,
	body: { messageTranslation: { label: 'validationFailure', scope: null, data: { field, type: 'required' } } },
});

describe('Document and its File field (observed §5.a)', () => {
	it('observed §5.01: POST Document without publishDate is 400 validationFailure (publishDate)', async () => {
		const v = validation('Document', 'publishDate');
		expectFamilyA(await target.api.post('/Document', { name: `Doc ${run}`, fileId: await upload('one.txt') }), 400, v.reason, v.body);
	});

	it('observed §5.02: without name: validationFailure (name)', async () => {
		const v = validation('Document', 'name');
		expectFamilyA(await target.api.post('/Document', { fileId: await upload('one.txt'), publishDate: '2024-01-02' }), 400, v.reason, v.body);
	});

	it('observed §5.03: without fileId: validationFailure (file)', async () => {
		const v = validation('Document', 'file');
		expectFamilyA(await target.api.post('/Document', { name: `Doc ${run}`, publishDate: '2024-01-02' }), 400, v.reason, v.body);
	});

	it('observed §5.04: POST Document {name, fileId, publishDate} answers fileId, fileName, status Active, dates', async () => {
		const fileId = await upload('one.txt');
		const doc = await create('Document', { name: `Doc ${run}`, fileId, publishDate: '2024-01-02' });
		expect(doc).toMatchObject({ fileId, fileName: 'one.txt', status: 'Active', publishDate: '2024-01-02', deleted: false });
		expect(doc.createdAt).toMatch(DATE_TIME);
	});

	it('observed §5.05: after linking, the attachment\'s related is the Document; parent stays null', async () => {
		const fileId = await upload('one.txt');
		const doc = await create('Document', { name: `Doc ${run}`, fileId, publishDate: '2024-01-02' });
		expect(await attachment(fileId)).toMatchObject({ relatedType: 'Document', relatedId: doc.id, relatedName: doc.name, parentType: null, parentId: null });
	});

	describe('replacing the file (observed §5.06–5.10)', () => {
		let docId: string;
		let first: string;
		let second: string;
		beforeAll(async () => {
			first = await upload('one.txt');
			docId = (await create('Document', { name: `Replace ${run}`, fileId: first, publishDate: '2024-01-02' })).id as string;
			second = await upload('two.txt');
		});

		it('observed §5.06: PUT {fileId: A2} answers the full record with fileName two.txt', async () => {
			const reply = await target.api.put(`/Document/${docId}`, { fileId: second });
			expect(reply.status).toBe(200);
			expect(reply.json()).toMatchObject({ id: docId, fileId: second, fileName: 'two.txt' });
			for (const key of ['type', 'expirationDate', 'description', 'modifiedById', 'assignedUserId', 'folderId']) expect(reply.json()).toHaveProperty(key);
		});

		it('observed §5.07: the replaced attachment was DELETED: 404 Record <id> does not exist.', async () => {
			expectFamilyA(await target.api.get(`/Attachment/${first}`), 404, `Record ${first} does not exist.`);
		});

		it('observed §5.08: downloading it is 404 family B with an empty reason', async () => {
			expectFamilyB(await target.api.get(`/Attachment/file/${first}`), 404, '');
		});

		withAdmin('observed §5.09: an admin still sees it, with deleted: true', async () => {
			expect((await target.admin!.get(`/Attachment/${first}`)).json()).toMatchObject({ id: first, deleted: true });
		});

		it('observed §5.10–5.11: clearing a required file field is 400 validationFailure and deletes nothing', async () => {
			const v = validation('Document', 'file');
			expectFamilyA(await target.api.put(`/Document/${docId}`, { fileId: null }), 400, v.reason, v.body);
			expect((await attachment(second)).deleted).toBe(false);
		});

		it('observed §5.12: a non-existent fileId is 403 cannotRelateNonExisting', async () => {
			expectFamilyA(await target.api.put(`/Document/${docId}`, { fileId: '0000000000000000f' }), 403, "Can't relate with non-existing record. entity type: Document, link: file.", {
				messageTranslation: { label: 'cannotRelateNonExisting', scope: null, data: { foreignEntityType: 'Attachment' } },
			});
		});

		it('observed §5.13: another user\'s unlinked attachment is 403 cannotRelateForbidden', async () => {
			const foreign = await upload('foreign.txt', {}, target.hmac);
			expectFamilyA(await target.api.put(`/Document/${docId}`, { fileId: foreign }), 403, 'No foreign record access for link operation (Document:file).', {
				messageTranslation: { label: 'cannotRelateForbidden', scope: null, data: { foreignEntityType: 'Attachment', action: 'read' } },
			});
		});

		it('api §6.1: PATCH runs the same update as PUT', async () => {
			const reply = await target.api.patch(`/Document/${docId}`, { description: 'patched' });
			expect([reply.status, reply.json<Json>().description]).toEqual([200, 'patched']);
		});
	});

	it('observed §5.14: POST Document with a non-existent fileId is 403 cannotRelateNonExisting', async () => {
		const reply = await target.api.post('/Document', { name: `Doc ${run}`, fileId: '0000000000000000f', publishDate: '2024-01-02' });
		expect([reply.status, reply.json<{ messageTranslation: { label: string } }>().messageTranslation.label]).toEqual([403, 'cannotRelateNonExisting']);
	});

	emulatorOnly('custom entity CInspection', 'observed §5.11d–e: clearing a non-required image field deletes the attachment', async () => {
		const photo = await upload('p.png', { type: 'image/png', relatedType: 'CInspection', field: 'photo', file: dataUri(Buffer.from('89504e470d0a1a0a00', 'hex'), 'image/png'), size: 9 });
		const record = await create('CInspection', { name: `Inspection ${run}`, photoId: photo });
		expect(record).toMatchObject({ photoId: photo, photoName: 'p.png' });
		const cleared = await target.api.put(`/CInspection/${record.id}`, { photoId: null });
		expect(cleared.json()).toMatchObject({ photoId: null, photoName: null });
		expect(target.emulator!.state.attachment(photo)?.deleted).toBe(true);
	});
});

describe('Note and Attachment-Multiple fields (observed §5.b, api §6.2)', () => {
	let noteId: string;
	let n1: string;
	let n2: string;
	beforeAll(async () => {
		n1 = await uploadFor('Note', 'attachments', 'n1.txt');
		n2 = await uploadFor('Note', 'attachments', 'n2.txt');
	});

	it('observed §5.16: POST Note with attachmentsIds answers attachmentsIds, attachmentsNames, attachmentsTypes', async () => {
		const note = await create('Note', { type: 'Post', post: `Post ${run}`, attachmentsIds: [n1] });
		noteId = note.id as string;
		expect(note).toMatchObject({ attachmentsIds: [n1], attachmentsNames: { [n1]: 'n1.txt' }, attachmentsTypes: { [n1]: 'text/plain' }, type: 'Post' });
	});

	it('observed §5.18: the attachment now has parentType Note, parentId the note, field attachments', async () => {
		expect(await attachment(n1)).toMatchObject({ parentType: 'Note', parentId: noteId, field: 'attachments', relatedType: null, relatedId: null });
	});

	it('observed §5.19: PUT with attachmentsIds replaces the whole list', async () => {
		const reply = await target.api.put(`/Note/${noteId}`, { attachmentsIds: [n2] });
		expect(reply.json<Json>().attachmentsIds).toEqual([n2]);
	});

	it('observed §5.20: the left-out attachment is unlinked (parentId/parentType null, field kept), not deleted', async () => {
		expect(await attachment(n1)).toMatchObject({ deleted: false, parentId: null, parentType: null, field: 'attachments' });
	});

	it('observed §5.21: the unlinked attachment still downloads for its creator', async () => {
		expect((await target.api.get(`/Attachment/file/${n1}`)).status).toBe(200);
	});

	it('api §6.2: putting an attachment of another record into <f>Ids moves it (re-parenting)', async () => {
		const moving = await uploadFor('Case', 'attachments', 'moving.txt');
		const a = await create('Case', { name: `From ${run}`, attachmentsIds: [moving] });
		const b = await create('Case', { name: `To ${run}` });
		await target.api.put(`/Case/${b.id}`, { attachmentsIds: [moving] });
		expect((await target.api.get(`/Case/${a.id}`)).json<Json>().attachmentsIds).toEqual([]);
		expect((await target.api.get(`/Case/${b.id}`)).json<Json>().attachmentsIds).toEqual([moving]);
	});

	it('api §6.2: an attachment uploaded for another field is parented but does not show in <f>Ids', async () => {
		const other = await upload('other-field.txt'); // field: file
		const kase = await create('Case', { name: `Field ${run}`, attachmentsIds: [other] });
		expect(kase.attachmentsIds).toEqual([]);
		expect(await attachment(other)).toMatchObject({ parentType: 'Case', parentId: kase.id, field: 'file' });
	});

	it('api §6.2: a non-existent id in <f>Ids is 403 cannotRelateNonExisting', async () => {
		const reply = await target.api.post('/Case', { name: `Bad ${run}`, attachmentsIds: ['0000000000000000f'] });
		expectFamilyA(reply, 403, "Can't relate with non-existing record. entity type: Case, link: attachments.", {
			messageTranslation: { label: 'cannotRelateNonExisting', scope: null, data: { foreignEntityType: 'Attachment' } },
		});
	});

	emulatorOnly('needs field-level ACL', 'api §3.2 row 8: a field the user may not edit is silently dropped from the input', async () => {
		const kase = target.emulator!.seed!.caseId;
		const before = (await target.api.get(`/Case/${kase}`)).json<Json>().attachmentsIds;
		const reply = await asUser(target, 'noFieldAccessUser').put(`/Case/${kase}`, { attachmentsIds: [] });
		expect(reply.status).toBe(200);
		expect(reply.json<Json>().attachmentsIds).toEqual(before);
	});
});

describe('the relationship endpoint {Entity}/{id}/attachments (observed §5.c)', () => {
	let caseId: string;
	let c1: string;
	beforeAll(async () => {
		caseId = (await create('Case', { name: `Links ${run}` })).id as string;
		c1 = await uploadFor('Case', 'attachments', 'c1.txt');
	});

	it('observed §5.23: POST Case/{id}/attachments {id} is 200 true', async () => {
		const reply = await target.api.post(`/Case/${caseId}/attachments`, { id: c1 });
		expect([reply.status, reply.text]).toEqual([200, 'true']);
	});

	it('observed §5.24: {ids: [..]} links several', async () => {
		const c2 = await uploadFor('Case', 'attachments', 'c2.txt');
		const c3 = await uploadFor('Case', 'attachments', 'c3.txt');
		expect((await target.api.post(`/Case/${caseId}/attachments`, { ids: [c2, c3] })).text).toBe('true');
		expect((await target.api.get(`/Case/${caseId}`)).json<Json>().attachmentsIds).toEqual(expect.arrayContaining([c1, c2, c3]));
	});

	it('observed §5.25–5.26: an attachment of another field links (true) but stays out of attachmentsIds', async () => {
		const other = await upload('doc-file.txt');
		expect((await target.api.post(`/Case/${caseId}/attachments`, { id: other })).text).toBe('true');
		expect((await target.api.get(`/Case/${caseId}`)).json<Json>().attachmentsIds).not.toContain(other);
		expect(await attachment(other)).toMatchObject({ parentType: 'Case', parentId: caseId, field: 'file', relatedType: 'Document' });
	});

	it('observed §5.28: on Note the action does not exist: 404 with the observed reason', async () => {
		const note = await create('Note', { type: 'Post', post: `Post ${run}` });
		expectFamilyA(await target.api.post(`/Note/${note.id}/attachments`, { id: c1 }), 404, "Action POST 'createLink' does not exist in controller 'Note'.");
	});

	it('observed §5.29: a non-existent attachment id is 404 with an empty reason', async () => {
		expectFamilyA(await target.api.post(`/Case/${caseId}/attachments`, { id: '0000000000000000f' }), 404, '');
	});

	it('observed §5.30: an empty body {} is 200 false', async () => {
		const reply = await target.api.post(`/Case/${caseId}/attachments`, {});
		expect([reply.status, reply.text]).toEqual([200, 'false']);
	});

	it('observed §5.34: another user\'s attachment is 403 noAccessToForeignRecord', async () => {
		const foreign = await uploadFor('Case', 'attachments', 'foreign.txt', target.hmac);
		expectFamilyA(await target.api.post(`/Case/${caseId}/attachments`, { id: foreign }), 403, 'No foreign record access for link operation (Case:attachments).', {
			messageTranslation: { label: 'noAccessToForeignRecord', scope: null, data: { action: 'edit' } },
		});
	});

	it('observed §5.31: DELETE with a JSON body unlinks: true, then parentId/parentType null (not deleted)', async () => {
		const reply = await target.api.delete(`/Case/${caseId}/attachments`, { id: c1 });
		expect([reply.status, reply.text]).toEqual([200, 'true']);
		expect(await attachment(c1)).toMatchObject({ parentId: null, parentType: null, deleted: false });
	});

	it('observed §5.33: GET Case/{id}/attachments is {total, list}', async () => {
		const body = (await target.api.get(`/Case/${caseId}/attachments`)).json<{ total: number; list: Json[] }>();
		expect(Object.keys(body)).toEqual(['total', 'list']);
		expect(body.total).toBe(body.list.length);
	});

	emulatorOnly('custom entity CInspection', 'issue #3: the endpoint works on every Attachment-Multiple field (CInspection photos)', async () => {
		const inspection = target.emulator!.seed!.inspectionId;
		const photo = await upload('p.png', { relatedType: undefined, parentType: 'CInspection', field: 'photos', type: 'image/png' });
		expect((await target.api.post(`/CInspection/${inspection}/photos`, { id: photo })).text).toBe('true');
		expect((await target.api.get(`/CInspection/${inspection}`)).json<Json>().photosIds).toEqual([photo]);
	});
});

describe('optimistic concurrency (observed §5.d)', () => {
	let kbId: string;
	beforeAll(async () => {
		const kb = await create('KnowledgeBaseArticle', { name: `Probe KB ${run}` });
		kbId = kb.id as string;
		expect(kb.versionNumber).toBe(1);
	});

	it('observed §5.35: a PUT without X-Version-Number saves and increments versionNumber', async () => {
		expect((await target.api.put(`/KnowledgeBaseArticle/${kbId}`, { name: `Probe KB ${run} b` })).json<Json>().versionNumber).toBe(2);
	});

	it('observed §5.36: a stale X-Version-Number is 409 modified with {values, versionNumber}', async () => {
		const reply = await target.api.put(`/KnowledgeBaseArticle/${kbId}`, { name: `Probe KB ${run} c` }, { headers: { 'X-Version-Number': '1' } });
		expectFamilyA(reply, 409, 'modified', { values: { name: `Probe KB ${run} b` }, versionNumber: 2 });
	});

	it('observed §5.37: the current X-Version-Number saves', async () => {
		const reply = await target.api.put(`/KnowledgeBaseArticle/${kbId}`, { name: `Probe KB ${run} d` }, { headers: { 'X-Version-Number': '2' } });
		expect([reply.status, reply.json<Json>().versionNumber]).toEqual([200, 3]);
	});

	it('observed §5.38: a stale version with unchanged values still saves and increments', async () => {
		const reply = await target.api.put(`/KnowledgeBaseArticle/${kbId}`, { name: `Probe KB ${run} d` }, { headers: { 'X-Version-Number': '1' } });
		expect([reply.status, reply.json<Json>().versionNumber]).toEqual([200, 4]);
	});

	it('observed §5.39, §9: Case has OCC from 9.1 (a stale X-Version-Number is 409 modified); before 9.1 the header is ignored and there is no versionNumber', async () => {
		const kase = await create('Case', { name: `OCC ${run}` });
		expect(kase.versionNumber).toBe(target.since('9.1') ? 1 : undefined);
		const first = await target.api.put(`/Case/${kase.id}`, { name: `OCC ${run} 2` }, { headers: { 'X-Version-Number': '1' } });
		expect([first.status, first.json<Json>().versionNumber]).toEqual([200, target.since('9.1') ? 2 : undefined]);
		const stale = await target.api.put(`/Case/${kase.id}`, { name: `OCC ${run} 3` }, { headers: { 'X-Version-Number': '1' } });
		if (target.since('9.1')) expectFamilyA(stale, 409, 'modified', { values: { name: `OCC ${run} 2` }, versionNumber: 2 });
		else expect([stale.status, stale.json<Json>().name]).toEqual([200, `OCC ${run} 3`]);
	});

	emulatorOnly(
		'the race window is the emulator\'s model',
		'observed §9: OCC is not atomic from 9.1: two PUTs with the same X-Version-Number at the same moment both save, the later one wins; 8.4 (KnowledgeBaseArticle) answers the second 409',
		async () => {
			// A window wide enough for two requests sent together to meet in it on a busy machine.
			target.emulator!.setOccRaceWindow(1000);
			const entityType = target.since('9.1') ? 'Case' : 'KnowledgeBaseArticle';
			const record = await create(entityType, { name: `Race ${run}` });
			const put = (suffix: string) => target.api.put(`/${entityType}/${record.id}`, { name: `Race ${run} ${suffix}` }, { headers: { 'X-Version-Number': '1' } });
			const [a, b] = await Promise.all([put('a'), put('b')]).finally(() => target.emulator!.setOccRaceWindow(OCC_RACE_WINDOW_MS));
			const after = (await target.api.get(`/${entityType}/${record.id}`)).json<Json>();
			// Which of the two is handled first is up to the network; the outcome per line is not.
			const saved = [a, b].filter((reply) => reply.status === 200).map((reply) => reply.json<Json>().name);
			const refused = [a, b].filter((reply) => reply.status !== 200).map((reply) => [reply.status, reply.header('x-status-reason')]);
			if (target.since('9.1')) {
				// Both passed the check against version 1, both saved version 2; the later write is what stays.
				expect({ saved: saved.length, refused, version: after.versionNumber, stays: saved.includes(after.name) }).toEqual({ saved: 2, refused: [], version: 2, stays: true });
			} else {
				expect({ saved, refused, version: after.versionNumber }).toEqual({ saved: [after.name], refused: [[409, 'modified']], version: 2 });
			}
		},
	);
});

describe('record locking (10.0, api §6.4; E10 Tools/Lock)', () => {
	withAdmin('api §6.4: from 10.0 a locked Account refuses a changed field (409 cannotModifyLockedRecord) and its deletion (409 cannotRemoveLockedRecord); before 10.0 there is no lock action', async () => {
		const account = await create('Account', { name: `Lock ${run}` });
		expect(account.isLocked).toBe(target.since('10.0') ? false : undefined);
		const lock = await target.admin!.post('/Action', { action: 'lock', entityType: 'Account', id: account.id });
		if (!target.since('10.0')) {
			expectFamilyB(lock, 404, "Action 'lock' not found.");
			return;
		}
		try {
			expect([lock.status, lock.json<Json>().isLocked]).toEqual([200, true]);
			expectFamilyA(await target.api.put(`/Account/${account.id}`, { name: `Lock ${run} 2` }), 409, 'cannotModifyLockedRecord', {
				messageTranslation: { label: 'cannotModifyLockedRecord', scope: null, data: { field: 'Name' } },
			});
			// An unchanged value is no change: it saves.
			expect((await target.api.put(`/Account/${account.id}`, { name: `Lock ${run}` })).status).toBe(200);
			expectFamilyA(await target.api.delete(`/Account/${account.id}`), 409, 'cannotRemoveLockedRecord', {
				messageTranslation: { label: 'cannotRemoveLockedRecord', scope: null, data: {} },
			});
			expectFamilyB(await target.admin!.post('/Action', { action: 'lock', entityType: 'Account', id: account.id }), 400, 'Already locked.');
		} finally {
			await target.admin!.post('/Action', { action: 'unlock', entityType: 'Account', id: account.id });
		}
		expect((await target.api.put(`/Account/${account.id}`, { name: `Lock ${run} 3` })).json<Json>()).toMatchObject({ name: `Lock ${run} 3`, isLocked: false });
	});
});

describe('duplicate check (observed §5.e)', () => {
	const name = `Probe Dup ${run}`;
	beforeAll(async () => {
		await create('Account', { name });
	});

	it('observed §5.41: the same name again is 409 duplicate with a JSON array of the duplicates', async () => {
		const reply = await target.api.post('/Account', { name });
		expect([reply.status, reply.header('x-status-reason')]).toEqual([409, 'duplicate']);
		const list = reply.json<Json[]>();
		expect(Array.isArray(list)).toBe(true);
		expect(list[0]).toMatchObject({ name });
	});

	it('observed §5.42: X-Skip-Duplicate-Check: true creates a second record', async () => {
		const reply = await target.api.post('/Account', { name }, { headers: { 'X-Skip-Duplicate-Check': 'true' } });
		expect(reply.status).toBe(200);
		target.track('Account', reply.json<Json>().id as string);
	});

	it('observed §5.43: X-Skip-Duplicate-Check: false still checks', async () => {
		expect((await target.api.post('/Account', { name }, { headers: { 'X-Skip-Duplicate-Check': 'false' } })).status).toBe(409);
	});

	it('observed §5.44, §9: the old body flag skipDuplicateCheck: true is honoured until 9.1, which removed it (409 duplicate)', async () => {
		const reply = await target.api.post('/Account', { name, skipDuplicateCheck: true });
		if (target.since('9.1')) {
			expect([reply.status, reply.header('x-status-reason')]).toEqual([409, 'duplicate']);
		} else {
			expect(reply.status).toBe(200);
			target.track('Account', reply.json<Json>().id as string);
		}
	});

	it('observed §9: the body flag _skipDuplicateCheck: true is honoured in every line (E10 CreateParamsFetcher)', async () => {
		const reply = await target.api.post('/Account', { name, _skipDuplicateCheck: true });
		expect(reply.status).toBe(200);
		target.track('Account', reply.json<Json>().id as string);
	});
});

describe('record errors (observed §6.26–6.41)', () => {
	it('observed §6.31: GET of a non-existent record is 404 Record <id> does not exist.', async () => {
		expectFamilyA(await target.api.get('/Document/0000000000000000f'), 404, 'Record 0000000000000000f does not exist.');
	});

	it('observed §6.40: PUT of a non-existent record is 404 Record <id> not found.', async () => {
		expectFamilyA(await target.api.put('/Account/0000000000000000f', { name: 'x' }), 404, 'Record 0000000000000000f not found.');
	});

	it('observed §6.41: DELETE of a non-existent record is 404 Record <id> not found.', async () => {
		expectFamilyA(await target.api.delete('/Account/0000000000000000f'), 404, 'Record 0000000000000000f not found.');
	});

	it('observed §6.34: an id with an encoded slash is 404 with an empty reason', async () => {
		expectFamilyA(await target.api.get('/Document/a%2Fb'), 404, '');
	});

	it('observed §6.36: a JSON array body is wrapped as {list} and fails validation (name)', async () => {
		const v = validation('Account', 'name');
		expectFamilyA(await target.api.post('/Account', [{ name: 'x' }]), 400, v.reason, v.body);
	});

	it('observed §6.35: malformed JSON is 500 without reason', async () => {
		expectFamilyA(await target.api.post('/Account', '{bad'), 500, null);
	});

	it('observed §6.37: a JSON scalar is 400 Body is not a JSON object.', async () => {
		expectFamilyA(await target.api.post('/Account', '"x"'), 400, 'Body is not a JSON object.');
	});

	it('api §6: DELETE {Entity}/{id} is true; the record is then gone', async () => {
		const account = await create('Account', { name: `Delete ${run}` });
		const reply = await target.api.delete(`/Account/${account.id}`);
		expect([reply.status, reply.text]).toEqual([200, 'true']);
		expect((await target.api.get(`/Account/${account.id}`)).status).toBe(404);
	});

	emulatorOnly('needs a read-only user', 'api §6: a read-only user reads (200) but cannot create, edit or delete (403, empty reason)', async () => {
		const readOnly = asUser(target, 'readOnlyUser');
		const { caseId } = target.emulator!.seed!;
		expect((await readOnly.get(`/Case/${caseId}`)).status).toBe(200);
		expectFamilyA(await readOnly.put(`/Case/${caseId}`, { name: 'x' }), 403, '');
		expectFamilyA(await readOnly.post('/Case', { name: 'x' }), 403, '');
		expectFamilyA(await readOnly.delete(`/Case/${caseId}`), 403, '');
	});

	emulatorOnly('needs a user without Document', 'api §6: without access to the scope, read and list are 403 with an empty reason', async () => {
		const noDocument = asUser(target, 'noDocumentUser');
		expectFamilyA(await noDocument.get(`/Document/${target.emulator!.seed!.documentId}`), 403, '');
		expectFamilyA(await noDocument.get('/Document'), 403, '');
	});
});

describe('lists (observed §6.20–6.25, api §6.5)', () => {
	let caseId: string;
	let attachmentId: string;
	beforeAll(async () => {
		attachmentId = await uploadFor('Case', 'attachments', 'c6.txt');
		caseId = (await create('Case', { name: `ListCase ${run}`, attachmentsIds: [attachmentId] })).id as string;
		await create('Document', { name: `ProbeSearch${run} one`, publishDate: '2024-01-02', fileId: await upload('s.txt') });
	});

	it('observed §6.20: select + where equals id adds number, createdById, assignedUserId and the names/types', async () => {
		const reply = await target.api.get(`/Case?select=id,attachmentsIds&where%5B0%5D%5Btype%5D=equals&where%5B0%5D%5Battribute%5D=id&where%5B0%5D%5Bvalue%5D=${caseId}`);
		const body = reply.json<{ total: number; list: Json[] }>();
		expect(body.total).toBe(1);
		expect(Object.keys(body.list[0])).toEqual(['id', 'number', 'createdById', 'assignedUserId', 'attachmentsIds', 'attachmentsNames', 'attachmentsTypes']);
		expect(body.list[0]).toMatchObject({ id: caseId, attachmentsIds: [attachmentId], attachmentsNames: { [attachmentId]: 'c6.txt' }, attachmentsTypes: { [attachmentId]: 'text/plain' } });
	});

	it('observed §6.20: raw brackets give the same result as percent-encoded ones', async () => {
		const raw = await target.api.get(`/Case?select=id,attachmentsIds&where[0][type]=equals&where[0][attribute]=id&where[0][value]=${caseId}`);
		expect(raw.json<{ list: Json[] }>().list.map((r) => r.id)).toEqual([caseId]);
	});

	it('observed §6.22: textFilter finds by name start; list rows carry no multiple-link attributes', async () => {
		const body = (await target.api.get(`/Document?textFilter=ProbeSearch${run}&maxSize=2`)).json<{ total: number; list: Json[] }>();
		expect(body.total).toBe(1);
		expect(body.list[0]).toMatchObject({ name: `ProbeSearch${run} one`, fileName: 's.txt' });
		expect(body.list[0]).not.toHaveProperty('teamsIds');
	});

	it('observed §6.23: a textFilter without match is {total: 0, list: []}', async () => {
		expect((await target.api.get(`/Document?textFilter=NoSuchThing${run}`)).json()).toEqual({ total: 0, list: [] });
	});

	it('observed §6.25: maxSize above 200 is 403 with the observed reason', async () => {
		expectFamilyA(await target.api.get('/Document?maxSize=500'), 403, 'Max size should not exceed 200. Use offset and limit.');
	});

	it('api §6.5: where in on id', async () => {
		const body = (await target.api.get(`/Case?where[0][type]=in&where[0][attribute]=id&where[0][value][]=${caseId}&where[0][value][]=0000000000000000f`)).json<{ list: Json[] }>();
		expect(body.list.map((r) => r.id)).toEqual([caseId]);
	});

	it('api §6.5: where contains on name', async () => {
		const body = (await target.api.get(`/Case?where[0][type]=contains&where[0][attribute]=name&where[0][value]=Case ${run}`)).json<{ list: Json[] }>();
		expect(body.list.map((r) => r.id)).toEqual([caseId]);
	});

	it('api §6.5: where after / greaterThan on modifiedAt', async () => {
		const { modifiedAt } = (await target.api.get(`/Case/${caseId}`)).json<{ modifiedAt: string }>();
		const earlier = new Date(Date.parse(`${modifiedAt.replace(' ', 'T')}Z`) - 60_000).toISOString().slice(0, 19).replace('T', ' ');
		for (const type of ['after', 'greaterThan']) {
			const ids = (await target.api.get(`/Case?maxSize=200&where[0][type]=${type}&where[0][attribute]=modifiedAt&where[0][value]=${earlier}`)).json<{ list: Json[] }>().list.map((r) => r.id);
			expect(ids).toContain(caseId);
		}
		const later = (await target.api.get(`/Case?where[0][type]=after&where[0][attribute]=modifiedAt&where[0][value]=2999-01-01 00:00:00`)).json<{ total: number }>();
		expect(later.total).toBe(0);
	});

	it('api §6.5: offset, maxSize, orderBy and order page through {total, list}', async () => {
		for (let i = 0; i < 3; i += 1) await create('Account', { name: `Page ${run} ${i}` });
		const page = (offset: number) => target.api.get(`/Account?where[0][type]=startsWith&where[0][attribute]=name&where[0][value]=Page ${run}&orderBy=name&order=asc&maxSize=2&offset=${offset}`);
		const first = (await page(0)).json<{ total: number; list: Json[] }>();
		const second = (await page(2)).json<{ total: number; list: Json[] }>();
		expect(first.total).toBe(3);
		expect([...first.list, ...second.list].map((r) => r.name)).toEqual([`Page ${run} 0`, `Page ${run} 1`, `Page ${run} 2`]);
		const desc = (await target.api.get(`/Account?where[0][type]=startsWith&where[0][attribute]=name&where[0][value]=Page ${run}&orderBy=name&order=desc`)).json<{ list: Json[] }>();
		expect(desc.list[0].name).toBe(`Page ${run} 2`);
	});

	it('api §6.5: equal orderBy values are ordered by id in the same direction (Select/Order/Applier adds [id, order])', async () => {
		const ids: string[] = [];
		for (let i = 0; i < 3; i += 1) {
			const reply = await target.api.post('/Account', { name: `Tie ${run}` }, { headers: { 'X-Skip-Duplicate-Check': 'true' } });
			expect(reply.status).toBe(200);
			ids.push(target.track('Account', reply.json<{ id: string }>().id));
		}
		const listed = async (order: 'asc' | 'desc') =>
			(await target.api.get(`/Account?where[0][type]=equals&where[0][attribute]=name&where[0][value]=Tie ${run}&orderBy=name&order=${order}`)).json<{ list: Json[] }>().list.map((r) => r.id);
		const ascending = [...ids].sort();
		expect(await listed('asc')).toEqual(ascending);
		expect(await listed('desc')).toEqual([...ascending].reverse());
	});

	it('api §6.5: GET {Entity}/{id} returns <f>Ids/<f>Names/<f>Types for Attachment-Multiple fields', async () => {
		expect((await target.api.get(`/Case/${caseId}`)).json()).toMatchObject({ attachmentsIds: [attachmentId], attachmentsNames: { [attachmentId]: 'c6.txt' } });
	});
});
