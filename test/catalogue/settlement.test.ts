// Issue #10: a write whose answer is lost may still have happened. Every write endpoint the node
// uses is made to commit and then lose its answer (emulator fault `drop: 'after-handling'`, api
// §4.3), in both binary modes; afterwards EspoCRM holds exactly what the item's output says,
// nothing linked is deleted, and nothing unlinked is left without being named.
import type { INodeParameters } from 'n8n-workflow';

import type { EspoCredentialData } from '../../credentials/espoCrmSigning';
import { shutdownHarness } from '../harness';
import { apiKeyCredential, BINARY_MODES, fileItem, idsOn, rl, sha256, useEmulator } from '../workflow/nodeFixtures';
import {
	caseWithFile,
	documentWithFile,
	expectFailure,
	expectUnchanged,
	newLiveAttachments,
	noteWithFile,
	patterned,
	runCase,
	snapshot,
} from './catalogue';

afterAll(async () => await shutdownHarness());

const LOST = { drop: 'after-handling' } as const;
const CHUNK = /^\/Attachment\/chunk\//;

const linkToDocument = (documentId?: string): INodeParameters => ({
	operation: 'uploadToFileField',
	entityType: 'Document',
	field: 'file',
	...(documentId
		? { recordMode: 'existing', recordId: rl(documentId) }
		: {
				recordMode: 'new',
				recordFieldsInput: 'json',
				recordFieldsJson: '{"name": "Settled contract", "publishDate": "2026-02-01"}',
			}),
});
const appendTo = (entityType: string, recordId: string, options: INodeParameters = {}): INodeParameters => ({
	operation: 'uploadToAttachmentMultiple',
	entityType,
	field: 'attachments',
	recordMode: 'existing',
	recordId: rl(recordId),
	options,
});

describe.each(BINARY_MODES)('settle before cleaning up (%s binary mode)', (binaryMode) => {
	const emulator = useEmulator();
	afterEach(() => emulator().faults.clear());
	const credentials = () => apiKeyCredential(emulator());
	const adminCredentials = (): EspoCredentialData => ({
		baseUrl: emulator().url,
		authMethod: 'password',
		username: emulator().users.admin.userName,
		password: emulator().users.admin.password,
	});

	test('record create (POST Document) answered into the void: the Document is found through its file, not created twice', async () => {
		const emu = emulator();
		emu.faults.add({ method: 'POST', path: '/Document', action: LOST });
		const documentsBefore = emu.state.records('Document').map((record) => record.id);
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: linkToDocument(), items: [fileItem('contract.txt', 'signed contract', 'text/plain')] });
		expect(result.error).toBeUndefined();
		const { id, record, linkConfirmedAfterLostAnswer } = result.items[0].json as { id: string; record: { id: string; name: string }; linkConfirmedAfterLostAnswer: boolean };
		const created = emu.state.records('Document').filter((document) => !documentsBefore.includes(document.id));
		expect(created.map((document) => [document.id, document.fileId, document.name])).toEqual([[record.id, id, 'Settled contract']]);
		expect(record.name).toBe('Settled contract');
		expect(linkConfirmedAfterLostAnswer).toBe(true);
		expect(emu.state.sha256(id)).toBe(sha256(Buffer.from('signed contract')));
		expect(newLiveAttachments(emu, before)).toEqual([id]);
	});

	test('record create with an Attachment-Multiple field (POST Case) answered into the void: one Case, holding the file', async () => {
		const emu = emulator();
		emu.faults.add({ method: 'POST', path: '/Case', action: LOST });
		const casesBefore = emu.state.records('Case').map((record) => record.id);
		const result = await runCase({
			binaryMode,
			credentials: credentials(),
			parameters: { ...appendTo('Case', ''), recordMode: 'new', recordFieldsInput: 'json', recordFieldsJson: '{"name": "Settled case"}' },
			items: [fileItem('photo.txt', 'form photo', 'text/plain')],
		});
		expect(result.error).toBeUndefined();
		const { id, record, linkConfirmedAfterLostAnswer } = result.items[0].json as { id: string; record: { id: string }; linkConfirmedAfterLostAnswer: boolean };
		const created = emu.state.records('Case').filter((row) => !casesBefore.includes(row.id));
		expect(created.map((row) => row.id)).toEqual([record.id]);
		expect(idsOn(emu, 'Case', record.id)).toEqual([id]);
		expect(linkConfirmedAfterLostAnswer).toBe(true);
	});

	test('File field PUT answered into the void: the Document holds the new file, which is not deleted; EspoCRM deleted the old one (§5.07)', async () => {
		const emu = emulator();
		const { documentId, fileId } = documentWithFile(emu, `put-${binaryMode}`);
		emu.faults.add({ method: 'PUT', path: `/Document/${documentId}`, action: LOST });
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: linkToDocument(documentId), items: [fileItem('v2.txt', 'version 2', 'text/plain')] });
		expect(result.error).toBeUndefined();
		const { id, linkConfirmedAfterLostAnswer } = result.items[0].json as { id: string; linkConfirmedAfterLostAnswer: boolean };
		expect(linkConfirmedAfterLostAnswer).toBe(true);
		expect(emu.state.record('Document', documentId)?.fileId).toBe(id);
		expect(emu.state.attachment(id)).toMatchObject({ deleted: false, relatedId: documentId });
		expect(emu.state.sha256(id)).toBe(sha256(Buffer.from('version 2')));
		expect(emu.state.attachment(fileId)?.deleted).toBe(true);
	});

	test('a 502 from a proxy before EspoCRM handled the PUT: the Document is unchanged and the new attachment, linked to nothing, is deleted', async () => {
		const emu = emulator();
		const { documentId } = documentWithFile(emu, `502-${binaryMode}`);
		emu.faults.add({ method: 'PUT', path: `/Document/${documentId}`, action: { status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/html' } });
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: linkToDocument(documentId), items: [fileItem('v2.txt', 'version 2', 'text/plain')] });
		expectFailure(result, { message: /internal error \(502\)/, description: /The uploaded attachment \w+ was deleted, so nothing is left behind\./ });
		expectUnchanged(emu, before);
	});

	test('the PUT is lost and EspoCRM cannot be asked afterwards: the attachment (which the Document holds) is kept and named', async () => {
		const emu = emulator();
		const { documentId } = documentWithFile(emu, `unreachable-${binaryMode}`);
		emu.faults.add({ method: 'PUT', path: `/Document/${documentId}`, action: LOST });
		emu.faults.add({ method: 'GET', path: `/Document/${documentId}`, times: Infinity, action: { drop: 'before-body' } });
		emu.faults.add({ method: 'GET', path: /^\/Attachment\/\w+$/, times: Infinity, action: { drop: 'before-body' } });
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: linkToDocument(documentId), items: [fileItem('v2.txt', 'version 2', 'text/plain')] });
		const newId = emu.state.record('Document', documentId)?.fileId as string;
		expectFailure(result, {
			message: /closed in the middle of the request/,
			description: new RegExp(`EspoCRM could not be asked whether Document ${documentId} holds the new file\\. The uploaded attachment\\(s\\) ${newId} were kept`),
		});
		expect(emu.state.attachment(newId)).toMatchObject({ deleted: false, relatedId: documentId });
	});

	test('relationship POST (append to a Case) answered into the void: both files on the Case, the item confirmed', async () => {
		const emu = emulator();
		const { caseId, existingId } = caseWithFile(emu, `post-${binaryMode}`);
		emu.faults.add({ method: 'POST', path: `/Case/${caseId}/attachments`, action: LOST });
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: appendTo('Case', caseId), items: [fileItem('a.txt', 'appended', 'text/plain')] });
		expect(result.error).toBeUndefined();
		const { id, linkConfirmedAfterLostAnswer } = result.items[0].json as { id: string; linkConfirmedAfterLostAnswer: boolean };
		expect(linkConfirmedAfterLostAnswer).toBe(true);
		expect(idsOn(emu, 'Case', caseId)).toEqual([existingId, id]);
		expect(newLiveAttachments(emu, before)).toEqual([id]);
	});

	test('relationship DELETE (remove from a Case) answered into the void: the file is off the Case, not deleted, the item confirmed', async () => {
		const emu = emulator();
		const { caseId, existingId } = caseWithFile(emu, `delete-${binaryMode}`);
		emu.faults.add({ method: 'DELETE', path: `/Case/${caseId}/attachments`, action: LOST });
		const result = await runCase({
			binaryMode,
			credentials: credentials(),
			parameters: { operation: 'removeFromRecord', entityType: 'Case', field: 'attachments', recordId: rl(caseId), attachmentId: rl(existingId) },
			items: [{ json: {} }],
		});
		expect(result.error).toBeUndefined();
		expect(result.items[0].json).toEqual({
			id: existingId,
			removed: true,
			deleted: false,
			record: { entityType: 'Case', recordId: caseId, field: 'attachments' },
			linkConfirmedAfterLostAnswer: true,
		});
		expect(idsOn(emu, 'Case', caseId)).toEqual([]);
		expect(emu.state.attachment(existingId)).toMatchObject({ deleted: false, parentId: null });
	});

	test('<field>Ids PUT of a Note (read-change-write) answered into the void: the read afterwards confirms it', async () => {
		const emu = emulator();
		const { noteId, existingId } = noteWithFile(emu, `note-${binaryMode}`);
		emu.faults.add({ method: 'PUT', path: `/Note/${noteId}`, action: LOST });
		emu.clearLog();
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: appendTo('Note', noteId), items: [fileItem('n.txt', 'note file', 'text/plain')] });
		expect(result.error).toBeUndefined();
		const { id, linkConfirmedAfterLostAnswer } = result.items[0].json as { id: string; linkConfirmedAfterLostAnswer: boolean };
		expect(linkConfirmedAfterLostAnswer).toBe(true);
		expect(idsOn(emu, 'Note', noteId)).toEqual([existingId, id]);
		expect(emu.log.filter((entry) => entry.method === 'PUT' && entry.path === `/Note/${noteId}`)).toHaveLength(1);
	});

	test('Attachment/copy answered into the void, as admin: the copy is found (its source, its field, unlinked) and linked, not made twice', async () => {
		const emu = emulator();
		const { caseId: sourceCase, existingId: sourceId } = caseWithFile(emu, `copy-src-${binaryMode}`);
		const { caseId, existingId } = caseWithFile(emu, `copy-dst-${binaryMode}`);
		emu.faults.add({ method: 'POST', path: `/Attachment/copy/${sourceId}`, action: LOST });
		const before = snapshot(emu);
		const result = await runCase({
			binaryMode,
			credentials: adminCredentials(),
			parameters: { operation: 'copyToRecord', attachmentId: rl(sourceId), entityType: 'Case', recordId: rl(caseId), field: 'attachments' },
			items: [{ json: {} }],
		});
		expect(result.error).toBeUndefined();
		const { id, copyConfirmedAfterLostAnswer } = result.items[0].json as { id: string; copyConfirmedAfterLostAnswer: boolean };
		expect(copyConfirmedAfterLostAnswer).toBe(true);
		expect(newLiveAttachments(emu, before)).toEqual([id]);
		expect(idsOn(emu, 'Case', caseId)).toEqual([existingId, id]);
		expect(idsOn(emu, 'Case', sourceCase)).toEqual([sourceId]);
		expect(emu.state.attachment(id)?.sourceId).toBe(sourceId);
	});

	test('Attachment/copy answered into the void, as an API user (who may not list attachments): the item fails and names the source of the unlinked copy', async () => {
		const emu = emulator();
		const { existingId: sourceId } = caseWithFile(emu, `copy-api-src-${binaryMode}`);
		const { caseId, existingId } = caseWithFile(emu, `copy-api-dst-${binaryMode}`);
		emu.faults.add({ method: 'POST', path: `/Attachment/copy/${sourceId}`, action: LOST });
		const before = snapshot(emu);
		const result = await runCase({
			binaryMode,
			credentials: credentials(),
			parameters: { operation: 'copyToRecord', attachmentId: rl(sourceId), entityType: 'Case', recordId: rl(caseId), field: 'attachments' },
			items: [{ json: {} }],
		});
		expectFailure(result, {
			message: /closed in the middle of the request/,
			description: new RegExp(`The copy of ${sourceId} may have been made anyway.*an unlinked attachment for Case\\.attachments whose source is ${sourceId}`),
		});
		const copies = newLiveAttachments(emu, before);
		expect(copies.map((id) => emu.state.attachment(id)).map((a) => [a?.sourceId, a?.parentId, a?.field])).toEqual([[sourceId, null, 'attachments']]);
		expect(idsOn(emu, 'Case', caseId)).toEqual([existingId]);
	});

	test('a middle chunk answered into the void: the partial upload is deleted and the file sent again; one attachment, the right bytes', async () => {
		const emu = emulator();
		const { caseId, existingId } = caseWithFile(emu, `chunk-${binaryMode}`);
		emu.faults.add({ method: 'POST', path: CHUNK, nth: 2, action: LOST });
		const contents = patterned(30_000, 5);
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: appendTo('Case', caseId, { chunkSizeMb: 0.01 }), items: [fileItem('big.bin', contents, 'application/octet-stream')] });
		expect(result.error).toBeUndefined();
		const { id } = result.items[0].json as { id: string };
		expect(newLiveAttachments(emu, before)).toEqual([id]);
		expect(emu.state.sha256(id)).toBe(sha256(contents));
		expect(idsOn(emu, 'Case', caseId)).toEqual([existingId, id]);
	});

	test('the last chunk answered into the void: EspoCRM shows the upload complete, so it is kept and linked, not sent again', async () => {
		const emu = emulator();
		const { caseId, existingId } = caseWithFile(emu, `last-chunk-${binaryMode}`);
		emu.faults.add({ method: 'POST', path: CHUNK, nth: 3, action: LOST });
		const contents = patterned(30_000, 6);
		const before = snapshot(emu);
		emu.clearLog();
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: appendTo('Case', caseId, { chunkSizeMb: 0.01 }), items: [fileItem('big.bin', contents, 'application/octet-stream')] });
		expect(result.error).toBeUndefined();
		const { id, uploadConfirmedAfterLostAnswer } = result.items[0].json as { id: string; uploadConfirmedAfterLostAnswer: boolean };
		expect(uploadConfirmedAfterLostAnswer).toBe(true);
		expect(newLiveAttachments(emu, before)).toEqual([id]);
		expect(emu.state.sha256(id)).toBe(sha256(contents));
		expect(idsOn(emu, 'Case', caseId)).toEqual([existingId, id]);
		expect(emu.log.filter((entry) => CHUNK.test(entry.path))).toHaveLength(3);
		expect(emu.log.filter((entry) => entry.method === 'DELETE')).toEqual([]);
	});
});
