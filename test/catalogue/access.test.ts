// Failure catalogue (issue #6), bad input: what the user may do, what the record looks like when
// the node writes, and the "Record Fields" the user gives.
import { shutdownHarness } from '../harness';
import { apiKeyCredential, fileItem, rl, useEmulator } from '../workflow/nodeFixtures';
import {
	CONTENT,
	caseWithFile,
	documentWithFile,
	expectFailure,
	expectUnchanged,
	noteWithFile,
	runCase,
	snapshot,
	waitForRequest,
} from './catalogue';

afterAll(async () => await shutdownHarness());

const binaryMode = 'filesystem' as const;
const file = (name = 'catalogue.txt') => fileItem(name, CONTENT.text, 'text/plain');

describe('bad input: access and record data', () => {
	const emulator = useEmulator();
	afterEach(() => emulator().faults.clear());
	const credentials = () => apiKeyCredential(emulator());

	const newDocument = (recordFieldsJson: string) => ({
		operation: 'uploadToFileField',
		entityType: 'Document',
		field: 'file',
		recordMode: 'new',
		recordFieldsInput: 'json',
		recordFieldsJson,
	});

	test('A01 no access to the entity type (role without Document): says the user cannot see Document', async () => {
		const emu = emulator();
		const before = snapshot(emu);
		const result = await runCase({
			binaryMode,
			credentials: apiKeyCredential(emu, emu.users.noDocumentUser),
			parameters: newDocument('{"name": "x", "publishDate": "2026-01-01"}'),
			items: [file()],
		});
		expectFailure(result, { message: /no entity type 'Document' that this user can see/, description: /role has access/ });
		expectUnchanged(emu, before);
	});

	test('A02 no edit access to the field (Case.attachments read-only for the role): 403 names the field', async () => {
		const emu = emulator();
		const { caseId } = caseWithFile(emu, 'A02');
		const before = snapshot(emu);
		const result = await runCase({
			binaryMode,
			credentials: apiKeyCredential(emu, emu.users.noFieldAccessUser),
			parameters: { operation: 'uploadToAttachmentMultiple', entityType: 'Case', field: 'attachments', recordMode: 'existing', recordId: rl(caseId) },
			items: [file()],
		});
		expectFailure(result, { message: /403.*No access to field 'attachments'/, description: /Roles.*edit access to the field/ });
		expectUnchanged(emu, before);
	});

	test('A03 read-only access to the entity type: 403 names the entity type, the record keeps its file', async () => {
		const emu = emulator();
		const { documentId } = documentWithFile(emu, 'A03');
		const before = snapshot(emu);
		const result = await runCase({
			binaryMode,
			credentials: apiKeyCredential(emu, emu.users.readOnlyUser),
			parameters: { operation: 'uploadToFileField', entityType: 'Document', field: 'file', recordMode: 'existing', recordId: rl(documentId) },
			items: [file()],
		});
		expectFailure(result, { message: /403.*No access to Document/, description: /Roles.*edit access/ });
		expectUnchanged(emu, before);
	});

	test('A04 no edit access to the record (403 No edit access. on the write): the upload is deleted, the record keeps its file', async () => {
		const emu = emulator();
		const { documentId } = documentWithFile(emu, 'A04');
		emu.faults.add({ method: 'PUT', path: `/Document/${documentId}`, action: { status: 403, reason: 'No edit access.', contentType: 'application/json' } });
		const before = snapshot(emu);
		const result = await runCase({
			binaryMode,
			credentials: credentials(),
			parameters: { operation: 'uploadToFileField', entityType: 'Document', field: 'file', recordMode: 'existing', recordId: rl(documentId) },
			items: [file()],
		});
		expectFailure(result, { message: /403.*No edit access/, description: /Roles[\s\S]*uploaded attachment \w+ was deleted/ });
		expectUnchanged(emu, before);
	});

	test('A05 the record is deleted between the node\'s read and its write (Note): 404, the upload is deleted', async () => {
		const emu = emulator();
		const { noteId } = noteWithFile(emu, 'A05');
		emu.faults.add({ method: 'PUT', path: `/Note/${noteId}`, action: { delayMs: 300 } });
		emu.clearLog();
		const running = runCase({
			binaryMode,
			credentials: credentials(),
			parameters: { operation: 'uploadToAttachmentMultiple', entityType: 'Note', field: 'attachments', recordMode: 'existing', recordId: rl(noteId) },
			items: [file()],
		});
		await waitForRequest(emu, 'GET', new RegExp(`^/Note/${noteId}$`));
		emu.state.deleteRecord('Note', noteId);
		const before = snapshot(emu); // after the deletion, with the node's upload already made
		const result = await running;
		expectFailure(result, { message: new RegExp(`404.*Record ${noteId} not found`), description: /uploaded attachment \w+ was deleted/ });
		const uploaded = /uploaded attachment (\w+) was deleted/.exec(result.error?.description ?? '')![1];
		expect(emu.state.attachment(uploaded)?.deleted).toBe(true);
		expectUnchanged(emu, before, { attachments: [uploaded] });
	});

	test('A06 "Record Fields (JSON)" that is not valid JSON: names the problem before anything is uploaded', async () => {
		const emu = emulator();
		const before = snapshot(emu);
		emu.clearLog();
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: newDocument('{"name": "Contract", publishDate: 2026-01-31}'), items: [file()] });
		expectFailure(result, { message: /"Record Fields \(JSON\)" is not valid JSON/, description: /JSON object, e\.g\./ });
		expect(emu.log.filter((entry) => entry.method !== 'GET')).toEqual([]);
		expectUnchanged(emu, before);
	});

	test('A07 "Record Fields (JSON)" that is a list: must be an object, nothing uploaded', async () => {
		const emu = emulator();
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: newDocument('[{"name": "Contract"}]'), items: [file()] });
		expectFailure(result, { message: /"Record Fields \(JSON\)" must be a JSON object/, description: /not a list/ });
		expectUnchanged(emu, before);
	});

	test('A08 "Record Fields (JSON)" that tries to set the file field itself (fileId): refused, nothing uploaded', async () => {
		const emu = emulator();
		const { fileId } = documentWithFile(emu, 'A08');
		const before = snapshot(emu);
		const result = await runCase({
			binaryMode,
			credentials: credentials(),
			parameters: newDocument(JSON.stringify({ name: 'Contract', publishDate: '2026-01-31', fileId })),
			items: [file()],
		});
		expectFailure(result, { message: /may not set 'fileId': the node sets the field 'file' itself/, description: /Remove 'fileId'/ });
		expectUnchanged(emu, before);
	});

	test('A09 key/value "Record Fields" that set attachmentsIds on a new Note: refused, nothing uploaded', async () => {
		const emu = emulator();
		const { existingId } = caseWithFile(emu, 'A09');
		const before = snapshot(emu);
		const result = await runCase({
			binaryMode,
			credentials: credentials(),
			parameters: {
				operation: 'uploadToAttachmentMultiple',
				entityType: 'Note',
				field: 'attachments',
				recordMode: 'new',
				recordFieldsInput: 'keyValue',
				recordFields: { field: [{ name: 'post', value: 'hi' }, { name: 'attachmentsIds', value: existingId }] },
			},
			items: [file()],
		});
		expectFailure(result, { message: /may not set 'attachmentsIds'/, description: /Remove 'attachmentsIds'/ });
		expectUnchanged(emu, before);
	});

	test('A10 a required field missing from "Record Fields" (Document without publishDate): names the field, the upload is deleted', async () => {
		const emu = emulator();
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: newDocument('{"name": "No publish date"}'), items: [file()] });
		expectFailure(result, { message: /The field 'publishDate' is required \(400\)/, description: /Record Fields[\s\S]*uploaded attachment \w+ was deleted/ });
		expectUnchanged(emu, before);
	});
});
