// Failure catalogue (issue #6), bad input: where the file should go (entity type, field, record,
// attachment ids, expressions). Values that would reach a URL are checked before any request.
import type { INodeParameters } from 'n8n-workflow';

import { shutdownHarness } from '../harness';
import { apiKeyCredential, fileItem, idsOn, rl, sha256, useEmulator } from '../workflow/nodeFixtures';
import {
	CONTENT,
	caseWithFile,
	documentWithFile,
	expectErrorItem,
	expectFailure,
	expectUnchanged,
	newLiveAttachments,
	runCase,
	snapshot,
} from './catalogue';

afterAll(async () => await shutdownHarness());

const binaryMode = 'filesystem' as const;
const MISSING_ID = 'ffffffffffffffff0';

describe('bad input: the target', () => {
	const emulator = useEmulator();
	const credentials = () => apiKeyCredential(emulator());

	const append = (entityType: string, field: string, recordId: string | INodeParameters[string]): INodeParameters => ({
		operation: 'uploadToAttachmentMultiple',
		entityType,
		field,
		recordMode: 'existing',
		recordId: typeof recordId === 'string' ? rl(recordId) : recordId,
	});
	const upload = (entityType: string, field: string) => ({ operation: 'upload', entityType, field });
	const file = () => fileItem('catalogue.txt', CONTENT.text, 'text/plain');

	/** A case whose input never reaches EspoCRM: the error, and not one request sent. */
	async function expectRefusedLocally(parameters: INodeParameters, message: RegExp, description: RegExp, items = [file()]) {
		const emu = emulator();
		const before = snapshot(emu);
		emu.clearLog();
		const result = await runCase({ binaryMode, credentials: credentials(), parameters, items });
		expectFailure(result, { message, description });
		expect(emu.log.map((entry) => `${entry.method} ${entry.path}`)).toEqual([]);
		expectUnchanged(emu, before);
	}

	/** A case refused once EspoCRM's metadata is read: the error, only reads sent. */
	async function expectRefusedAfterReading(parameters: INodeParameters, message: RegExp, description: RegExp, items = [file()]) {
		const emu = emulator();
		const before = snapshot(emu);
		emu.clearLog();
		const result = await runCase({ binaryMode, credentials: credentials(), parameters, items });
		expectFailure(result, { message, description });
		expect(emu.log.filter((entry) => entry.method !== 'GET')).toEqual([]);
		expectUnchanged(emu, before);
	}

	test('T01 an unknown entity type (Foo): says EspoCRM has no such type, hints at spelling and role', async () => {
		await expectRefusedAfterReading(upload('Foo', 'file'), /no entity type 'Foo'/, /spelling.*case-sensitive.*role/);
	});

	test('T02 an entity type in the wrong case (document): same, because entity types are case-sensitive', async () => {
		await expectRefusedAfterReading(upload('document', 'file'), /no entity type 'document'/, /case-sensitive.*Document/);
	});

	test('T03 an unknown field (Document.files): names the field and lists the usable ones', async () => {
		await expectRefusedAfterReading(upload('Document', 'files'), /Document has no field 'files'/, /file \(File\)/);
	});

	test('T04 a field of the wrong type (Document.name, a varchar): names its type and the usable fields', async () => {
		await expectRefusedAfterReading(upload('Document', 'name'), /'name' of Document is a varchar field/, /file \(File\)/);
	});

	test('T05 a File field given to "append to Attachment-Multiple" (Document.file): says which kind is needed', async () => {
		const { documentId } = documentWithFile(emulator(), 'T05');
		await expectRefusedAfterReading(append('Document', 'file', documentId), /'file' of Document is a File field, but this operation needs an Attachment-Multiple field/, /none/);
	});

	test('T06 an Attachment-Multiple field given to "link to File field" (Case.attachments): lists the File fields (none)', async () => {
		const { caseId } = caseWithFile(emulator(), 'T06');
		await expectRefusedAfterReading(
			{ operation: 'uploadToFileField', entityType: 'Case', field: 'attachments', recordMode: 'existing', recordId: rl(caseId) },
			/'attachments' of Case is an Attachment-Multiple field, but this operation needs a File or Image field/,
			/none/,
		);
	});

	test('T07 an entity type shaped like a path (Document/../User): refused before any request', async () => {
		await expectRefusedLocally(upload('Document/../User', 'file'), /entity type is "Document\/\.\.\/User", which is not a valid entity type/, /letters, digits and _/);
	});

	test('T08 an entity type with a query (Document?x=1): refused before any request', async () => {
		await expectRefusedLocally(upload('Document?x=1', 'file'), /"Document\?x=1", which is not a valid entity type/, /letters, digits and _/);
	});

	test('T09 an entity type with a fragment (Note#): refused before any request', async () => {
		await expectRefusedLocally(upload('Note#', 'attachments'), /"Note#", which is not a valid entity type/, /letters, digits and _/);
	});

	test('T10 a field shaped like a path (../file): refused before any request', async () => {
		await expectRefusedLocally(upload('Document', '../file'), /field name is "\.\.\/file", which is not a valid field name/, /Entity Manager/);
	});

	test('T11 a record id that does not exist (Case): the record is named, the uploaded file is deleted again', async () => {
		const emu = emulator();
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: append('Case', 'attachments', MISSING_ID), items: [file()] });
		expectFailure(result, { message: new RegExp(`^EspoCRM could not find Case ${MISSING_ID} \\(404\\): Record ${MISSING_ID} does not exist\\. \\[item 0\\]$`), description: /uploaded attachment \w+ was deleted/ });
		expectUnchanged(emu, before);
	});

	test('T12 a record id that does not exist (Document, replace file): 404 names the record, the upload is deleted', async () => {
		const emu = emulator();
		const before = snapshot(emu);
		const result = await runCase({
			binaryMode,
			credentials: credentials(),
			parameters: { operation: 'uploadToFileField', entityType: 'Document', field: 'file', recordMode: 'existing', recordId: rl(MISSING_ID) },
			items: [file()],
		});
		expectFailure(result, { message: new RegExp(`^EspoCRM could not find Document ${MISSING_ID} \\(404\\): Record ${MISSING_ID} not found\\. \\[item 0\\]$`), description: /uploaded attachment \w+ was deleted/ });
		expectUnchanged(emu, before);
	});

	test.each([
		['T13', 'a slash', 'abc/def'],
		['T14', '..', '..'],
		['T15', '%2F', 'abc%2Fdef'],
		['T16', 'an inner space', 'abc def'],
	])('%s a record id with %s (from an expression) is refused before anything is written', async (_id, _what, value) => {
		const escaped = value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
		const emu = emulator();
		const { caseId } = caseWithFile(emu, `bad id ${value}`);
		expect(caseId).toBeTruthy();
		await expectRefusedAfterReading(
			append('Case', 'attachments', rl('={{ $json.caseId }}')),
			new RegExp(`record ID is "${escaped}", which is not a valid record ID`),
			/single record ID/,
			[{ ...file(), json: { caseId: value } }],
		);
		expect(emu.log.filter((entry) => !entry.path.startsWith('/Metadata'))).toEqual([]);
	});

	test('T16b a literal record id with a slash: the node refuses it before sending anything (its own check, not n8n\'s regex sandbox)', async () => {
		const emu = emulator();
		const before = snapshot(emu);
		emu.clearLog();
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: append('Case', 'attachments', 'abc/def'), items: [file()] });
		expectFailure(result, { message: /The record ID is "abc\/def", which is not a valid record ID/, description: /Give a single record ID/ });
		expect(emu.log).toEqual([]);
		expectUnchanged(emu, before);
	});

	test('T17 a record id with spaces around it (from an expression) is trimmed and works', async () => {
		const emu = emulator();
		const { caseId, existingId } = caseWithFile(emu, 'T17');
		const before = snapshot(emu);
		const result = await runCase({
			binaryMode,
			credentials: credentials(),
			parameters: append('Case', 'attachments', rl('={{ $json.caseId }}')),
			items: [{ ...file(), json: { caseId: `  ${caseId}\t` } }],
		});
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		expect(idsOn(emu, 'Case', caseId).sort()).toEqual([existingId, id].sort());
		expectUnchanged(emu, before, { attachments: [id], records: [`Case:${caseId}`] });
	});

	test('T18 an expression that yields a list where one record id is expected: says it is a list', async () => {
		const { caseId } = caseWithFile(emulator(), 'T18');
		await expectRefusedAfterReading(
			append('Case', 'attachments', rl('={{ $json.caseIds }}')),
			/record ID is a list \(\[.*\]\), which is not a valid record ID/,
			/must produce one ID, not a list/,
			[{ ...file(), json: { caseIds: [caseId, caseId] } }],
		);
	});

	test('T19 an expression that yields an object where an attachment id is expected: says it is an object', async () => {
		await expectRefusedLocally(
			{ operation: 'get', attachmentId: rl('={{ $json.attachment }}') },
			/attachment ID is an object \(\{"id":"abc"\}\), which is not a valid attachment ID/,
			/must produce one ID, not a list or an object/,
			[{ json: { attachment: { id: 'abc' } } }],
		);
	});

	test('T20 an expression that yields nothing (a missing JSON key): says the record ID is empty', async () => {
		await expectRefusedAfterReading(append('Case', 'attachments', rl('={{ $json.caseId }}')), /record ID is nothing \(empty\)/, /single record ID/);
	});

	test('T21 an attachment id that does not exist (Download): 404 names the id, nothing changes', async () => {
		const emu = emulator();
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: { operation: 'download', attachmentId: rl(MISSING_ID), outputBinaryField: 'data' } });
		expectFailure(result, { message: new RegExp(`404.*Record ${MISSING_ID} does not exist`), description: /Check the ID/ });
		expectUnchanged(emu, before);
	});

	test('T22 another user\'s unlinked attachment (Get): 403 No read access, with the fix', async () => {
		const emu = emulator();
		const theirs = emu.state.createAttachment({ name: 'theirs.txt', type: 'text/plain', bytes: Buffer.from('theirs'), field: 'attachments', parentType: 'Case', createdBy: emu.users.hmacUser.id });
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: { operation: 'get', attachmentId: rl(theirs.id) } });
		expectFailure(result, { message: /does not let this user read the attachment \(403 No 'read' access\.\)/, description: /uploaded by another user/ });
		expectUnchanged(emu, before);
	});

	test('T23 another user\'s attachment (Delete): 403 No delete access, the attachment stays', async () => {
		const emu = emulator();
		const { caseId } = caseWithFile(emu, 'T23');
		const theirs = emu.state.createAttachment({ name: 'theirs.txt', type: 'text/plain', bytes: Buffer.from('theirs'), field: 'attachments', parentType: 'Case', createdBy: emu.users.hmacUser.id });
		expect(caseId).toBeTruthy();
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: { operation: 'delete', attachmentId: rl(theirs.id) } });
		expectFailure(result, { message: /does not let this user delete the attachment \(403 No delete access\.\)/, description: /Only the user who uploaded an attachment \(or an admin\) can delete it/ });
		expect(emu.state.attachment(theirs.id)?.deleted).toBe(false);
		expectUnchanged(emu, before);
	});

	test('T24 another user\'s unlinked attachment (Copy to Record): 403, no copy is made', async () => {
		const emu = emulator();
		const { caseId } = caseWithFile(emu, 'T24');
		const theirs = emu.state.createAttachment({ name: 'theirs.txt', type: 'text/plain', bytes: Buffer.from('theirs'), field: 'attachments', parentType: 'Case', createdBy: emu.users.hmacUser.id });
		const before = snapshot(emu);
		const result = await runCase({
			binaryMode,
			credentials: credentials(),
			parameters: { operation: 'copyToRecord', attachmentId: rl(theirs.id), entityType: 'Case', recordId: rl(caseId), field: 'attachments' },
		});
		expectFailure(result, { message: /does not let this user read the attachment \(403 No 'read' access\.\)/, description: /uploaded by another user/ });
		expectUnchanged(emu, before);
	});

	test('T25 an attachment that is still being uploaded (Download): says so instead of giving a partial file', async () => {
		const emu = emulator();
		const key = emu.users.apiUser.apiKey as string;
		const created = await fetch(`${emu.apiUrl}/Attachment`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json', 'X-Api-Key': key },
			body: JSON.stringify({ name: 'half.txt', type: 'text/plain', size: 10, role: 'Attachment', parentType: 'Case', field: 'attachments', isBeingUploaded: true }),
		});
		const { id } = (await created.json()) as { id: string };
		await fetch(`${emu.apiUrl}/Attachment/chunk/${id}`, { method: 'POST', headers: { 'X-Api-Key': key }, body: '"data:text/plain;base64,YWJjZA=="' });
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: { operation: 'download', attachmentId: rl(id), outputBinaryField: 'data' } });
		expectFailure(result, { message: new RegExp(`'half\\.txt' \\(${id}\\) is still being uploaded`), description: /Wait until the upload has finished/ });
		expect(emu.state.attachment(id)).toMatchObject({ isBeingUploaded: true, deleted: false });
		expectUnchanged(emu, before);
	});

	test('T26 Remove From Record with an attachment the File field does not hold: nothing is changed and it says so', async () => {
		const emu = emulator();
		const { documentId, fileId } = documentWithFile(emu, 'T26');
		const before = snapshot(emu);
		const result = await runCase({
			binaryMode,
			credentials: credentials(),
			parameters: { operation: 'removeFromRecord', entityType: 'Document', recordId: rl(documentId), field: 'file', attachmentId: rl(MISSING_ID) },
		});
		expectFailure(result, { message: new RegExp(`does not hold attachment ${MISSING_ID} in 'file' \\(it holds ${fileId}\\)`), description: /Nothing was changed/ });
		expectUnchanged(emu, before);
	});

	test('T27 the same file appended twice to one record (two items): both are on the record, as asked, with the file it had', async () => {
		const emu = emulator();
		const { caseId, existingId } = caseWithFile(emu, 'T27');
		const before = snapshot(emu);
		const same = fileItem('same.pdf', CONTENT.pdf, 'application/pdf');
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: append('Case', 'attachments', caseId), items: [same, same] });
		expect(result.error).toBeUndefined();
		const ids = result.items.map((item) => item.json.id as string);
		expect(new Set(ids).size).toBe(2);
		expect(idsOn(emu, 'Case', caseId).sort()).toEqual([existingId, ...ids].sort());
		for (const id of ids) expect(emu.state.sha256(id)).toBe(sha256(CONTENT.pdf));
		expect(newLiveAttachments(emu, before).sort()).toEqual([...ids].sort());
		expectUnchanged(emu, before, { attachments: ids, records: [`Case:${caseId}`] });
	});

	test('T28 with "Continue On Fail", item 1 of 3 names a Case that does not exist: its error item says so, items 0 and 2 are appended, its upload deleted', async () => {
		const emu = emulator();
		const { caseId, existingId } = caseWithFile(emu, 'T28');
		const before = snapshot(emu);
		const result = await runCase({
			binaryMode,
			credentials: credentials(),
			continueOnFail: true,
			parameters: append('Case', 'attachments', rl('={{ $json.caseId }}')),
			items: [{ ...file(), json: { caseId } }, { ...file(), json: { caseId: MISSING_ID } }, { ...file(), json: { caseId } }],
		});
		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expectErrorItem(result, 1, { message: new RegExp(`404.*${MISSING_ID}`), description: /uploaded attachment \w+ was deleted/ });
		const appended = [result.items[0].json.id as string, result.items[2].json.id as string];
		expect(idsOn(emu, 'Case', caseId).sort()).toEqual([existingId, ...appended].sort());
		expectUnchanged(emu, before, { attachments: appended, records: [`Case:${caseId}`] });
	});
});
