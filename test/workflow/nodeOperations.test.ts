// The nine operations of the EspoCRM Attachment node, run through the real n8n engine (n8n-core
// WorkflowExecute, package loaded from dist) against the emulator, in both binary-data modes.
// Every test checks what EspoCRM holds afterwards, not only what the node printed.
import { runNode, shutdownHarness } from '../harness';
import {
	apiKeyCredential,
	attachmentIds,
	BINARY_MODES,
	fileItem,
	idsOn,
	orphans,
	rl,
	sha256,
	useEmulator,
} from './nodeFixtures';

afterAll(async () => await shutdownHarness());

describe.each(BINARY_MODES)('EspoCRM Attachment node, binary mode %s', (binaryMode) => {
	const emulator = useEmulator();
	const credentials = () => apiKeyCredential(emulator());

	test('Upload stores the exact bytes for Document.file with relatedType, role and the real size', async () => {
		const contents = Buffer.from(`contract text ${binaryMode} ${'x'.repeat(1000)}`);
		const result = await runNode({
			binaryMode,
			credentials: credentials(),
			parameters: { operation: 'upload', entityType: 'Document', field: 'file' },
			items: [fileItem('contract.txt', contents, 'text/plain')],
		});
		expect(result.error).toBeUndefined();
		const [item] = result.items;
		const stored = emulator().state.attachment(item.json.id as string);
		expect(stored).toMatchObject({ name: 'contract.txt', type: 'text/plain', size: contents.length, role: 'Attachment', relatedType: 'Document', field: 'file', parentType: null });
		expect(emulator().state.sha256(item.json.id as string)).toBe(sha256(contents));
		expect(item.pairedItem).toEqual({ item: 0 });
	});

	test('Upload to an Attachment-Multiple field sends parentType (reference §3.1)', async () => {
		const result = await runNode({
			binaryMode,
			credentials: credentials(),
			parameters: { operation: 'upload', entityType: 'Case', field: 'attachments' },
			items: [fileItem('photo.png', Buffer.from('89504e47', 'hex'), 'image/png')],
		});
		expect(result.error).toBeUndefined();
		const stored = emulator().state.attachment(result.items[0].json.id as string);
		expect(stored).toMatchObject({ parentType: 'Case', relatedType: null, field: 'attachments' });
	});

	test('Upload and Link to File Field creates a Document whose fileId is the uploaded file', async () => {
		const contents = Buffer.from('%PDF-1.4 signed contract');
		const result = await runNode({
			binaryMode,
			credentials: credentials(),
			parameters: {
				operation: 'uploadToFileField',
				entityType: 'Document',
				field: 'file',
				recordMode: 'new',
				recordFieldsInput: 'json',
				recordFieldsJson: JSON.stringify({ name: 'Signed contract', publishDate: '2026-11-26' }),
			},
			items: [fileItem('contract.pdf', contents, 'application/pdf')],
		});
		expect(result.error).toBeUndefined();
		const json = result.items[0].json as { id: string; record: { id: string } };
		const document = emulator().state.record('Document', json.record.id);
		expect(document).toMatchObject({ name: 'Signed contract', fileId: json.id, fileName: 'contract.pdf' });
		expect(emulator().state.attachment(json.id)).toMatchObject({ relatedType: 'Document', relatedId: json.record.id });
		expect(emulator().state.sha256(json.id)).toBe(sha256(contents));
	});

	test('Upload and Link to File Field on an existing Document replaces the file (EspoCRM deletes the old one, §5.06–5.07)', async () => {
		const documentId = emulator().seed!.documentId;
		const oldId = emulator().state.record('Document', documentId)?.fileId as string;
		const result = await runNode({
			binaryMode,
			credentials: credentials(),
			parameters: {
				operation: 'uploadToFileField',
				entityType: 'Document',
				field: 'file',
				recordMode: 'existing',
				recordId: rl(`${emulator().url}/#Document/view/${documentId}`, 'url'),
			},
			items: [fileItem('v2.txt', 'version two', 'text/plain')],
		});
		expect(result.error).toBeUndefined();
		const newId = result.items[0].json.id as string;
		expect(emulator().state.record('Document', documentId)?.fileId).toBe(newId);
		expect(emulator().state.attachment(oldId)?.deleted).toBe(true);
	});

	test('Append keeps the attachments a Case already has, writes once per record, and pairs every output item', async () => {
		const emu = emulator();
		const caseA = emu.state.createRecord('Case', { name: `Append A ${binaryMode}` }).id as string;
		const caseB = emu.state.createRecord('Case', { name: `Append B ${binaryMode}` }).id as string;
		const existing = emu.state.createAttachment({ name: 'existing.txt', type: 'text/plain', bytes: Buffer.from('old'), field: 'attachments', parentType: 'Case', createdBy: emu.users.apiUser.id });
		// Put `existing` on case A the way EspoCRM would (a PUT of attachmentsIds).
		const seeded = await fetch(`${emu.apiUrl}/Case/${caseA}`, {
			method: 'PUT',
			headers: { 'Content-Type': 'application/json', 'X-Api-Key': emu.users.apiUser.apiKey as string },
			body: JSON.stringify({ attachmentsIds: [existing.id] }),
		});
		expect(seeded.status).toBe(200);

		emu.clearLog();
		const files = ['one.txt', 'two.txt', 'three.txt'].map((name) => fileItem(name, `${name} ${binaryMode}`, 'text/plain'));
		const result = await runNode({
			binaryMode,
			credentials: credentials(),
			parameters: {
				operation: 'uploadToAttachmentMultiple',
				entityType: 'Case',
				field: 'attachments',
				recordMode: 'existing',
				recordId: '={{ $json.caseId }}',
			},
			items: [
				{ ...files[0], json: { caseId: caseA } },
				{ ...files[1], json: { caseId: caseB } },
				{ ...files[2], json: { caseId: caseA } },
			],
		});
		expect(result.error).toBeUndefined();
		const newIds = result.items.map((item) => item.json.id as string);
		expect(result.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(idsOn(emu, 'Case', caseA).sort()).toEqual([existing.id, newIds[0], newIds[2]].sort());
		expect(idsOn(emu, 'Case', caseB)).toEqual([newIds[1]]);
		const writesToA = emu.log.filter((entry) => entry.method !== 'GET' && entry.path.startsWith(`/Case/${caseA}`));
		expect(writesToA).toHaveLength(1);
		for (const [i, id] of newIds.entries()) {
			expect(emu.state.sha256(id)).toBe(sha256(Buffer.from(`${['one.txt', 'two.txt', 'three.txt'][i]} ${binaryMode}`)));
		}
	});

	test('Append to a Note (no relationship endpoint, §5.28) reads the ids and writes the union', async () => {
		const emu = emulator();
		const before = emu.state.createAttachment({ name: 'first.txt', type: 'text/plain', bytes: Buffer.from('first'), field: 'attachments', parentType: 'Note', createdBy: emu.users.apiUser.id });
		const note = await runNode({
			binaryMode,
			credentials: credentials(),
			parameters: {
				operation: 'uploadToAttachmentMultiple',
				entityType: 'Note',
				field: 'attachments',
				recordMode: 'new',
				recordFieldsInput: 'keyValue',
				recordFields: { field: [{ name: 'type', value: 'Post' }, { name: 'post', value: 'files from n8n' }] },
			},
			items: [fileItem('second.txt', 'second', 'text/plain')],
		});
		expect(note.error).toBeUndefined();
		const noteId = (note.items[0].json.record as { id: string }).id;
		expect(idsOn(emu, 'Note', noteId)).toEqual([note.items[0].json.id]);
		// Put a second, pre-existing file on the note, then append.
		await fetch(`${emu.apiUrl}/Note/${noteId}`, {
			method: 'PUT',
			headers: { 'Content-Type': 'application/json', 'X-Api-Key': emu.users.apiUser.apiKey as string },
			body: JSON.stringify({ attachmentsIds: [note.items[0].json.id, before.id] }),
		});
		const appended = await runNode({
			binaryMode,
			credentials: credentials(),
			parameters: { operation: 'uploadToAttachmentMultiple', entityType: 'Note', field: 'attachments', recordMode: 'existing', recordId: rl(noteId) },
			items: [fileItem('third.txt', 'third', 'text/plain'), fileItem('fourth.txt', 'fourth', 'text/plain')],
		});
		expect(appended.error).toBeUndefined();
		expect(idsOn(emu, 'Note', noteId).sort()).toEqual(
			[note.items[0].json.id as string, before.id, ...appended.items.map((i) => i.json.id as string)].sort(),
		);
	});

	test('Download gives the file with the name and MIME type from the attachment record, keeping other binaries', async () => {
		const emu = emulator();
		const contents = Buffer.from('Grüße aus der Straße');
		const attachment = emu.state.createAttachment({ name: 'Straße 文件.txt', type: 'text/plain', bytes: contents, field: 'attachments', parentType: 'Case', createdBy: emu.users.apiUser.id });
		const result = await runNode({
			binaryMode,
			credentials: credentials(),
			parameters: { operation: 'download', attachmentId: rl(attachment.id), outputBinaryField: 'file' },
			items: [fileItem('keep.bin', 'keep me', 'application/octet-stream')],
		});
		expect(result.error).toBeUndefined();
		const [item] = result.items;
		expect(item.binary?.file).toMatchObject({ fileName: 'Straße 文件.txt', mimeType: 'text/plain' });
		expect(item.binary?.file.bytes.equals(contents)).toBe(true);
		expect(item.binary?.data.bytes.toString()).toBe('keep me');
		expect(item.json).toMatchObject({ id: attachment.id, name: 'Straße 文件.txt', size: contents.length });
	});

	test('Download of an untyped attachment is application/octet-stream, not the application/json EspoCRM labels it (§4.05)', async () => {
		const emu = emulator();
		const attachment = emu.state.createAttachment({ name: 'blob', type: null, bytes: Buffer.from([0, 1, 2, 3]), field: 'attachments', parentType: 'Case', createdBy: emu.users.apiUser.id });
		const result = await runNode({
			binaryMode,
			credentials: credentials(),
			parameters: { operation: 'download', attachmentId: rl(attachment.id), outputBinaryField: 'data' },
		});
		expect(result.error).toBeUndefined();
		expect(result.items[0].binary?.data.mimeType).toBe('application/octet-stream');
		expect([...result.items[0].binary!.data.bytes]).toEqual([0, 1, 2, 3]);
	});

	test('Download From Record gives one item per file of an Attachment-Multiple field and the file of a File field', async () => {
		const emu = emulator();
		const caseId = emu.seed!.caseId;
		const expected = idsOn(emu, 'Case', caseId);
		expect(expected.length).toBeGreaterThan(0);
		const many = await runNode({
			binaryMode,
			credentials: credentials(),
			parameters: { operation: 'downloadFromRecord', entityType: 'Case', recordId: rl(caseId), field: 'attachments', outputBinaryField: 'data' },
		});
		expect(many.error).toBeUndefined();
		expect(many.items.map((item) => item.json.id)).toEqual(expected);
		for (const item of many.items) {
			expect(sha256(item.binary!.data.bytes)).toBe(emu.state.sha256(item.json.id as string));
			expect(item.pairedItem).toEqual({ item: 0 });
		}
		const documentId = emu.seed!.documentId;
		const one = await runNode({
			binaryMode,
			credentials: credentials(),
			parameters: { operation: 'downloadFromRecord', entityType: 'Document', recordId: rl(documentId), field: 'file', outputBinaryField: 'data' },
		});
		expect(one.error).toBeUndefined();
		expect(one.items).toHaveLength(1);
		expect(one.items[0].json.id).toBe(emu.state.record('Document', documentId)?.fileId);
	});

	test('Get returns the attachment attributes', async () => {
		const emu = emulator();
		const attachment = emu.state.createAttachment({ name: 'meta.txt', type: 'text/plain', bytes: Buffer.from('meta'), field: 'attachments', parentType: 'Case', createdBy: emu.users.apiUser.id });
		const result = await runNode({ binaryMode, credentials: credentials(), parameters: { operation: 'get', attachmentId: rl(attachment.id) } });
		expect(result.error).toBeUndefined();
		expect(result.items[0].json).toMatchObject({ id: attachment.id, name: 'meta.txt', size: 4, type: 'text/plain' });
	});

	test('Copy to Record puts a copy on another record and leaves the original where it was', async () => {
		const emu = emulator();
		const documentId = emu.seed!.documentId;
		const sourceId = emu.state.record('Document', documentId)?.fileId as string;
		const target = emu.state.createRecord('Case', { name: `Copy target ${binaryMode}` }).id as string;
		const result = await runNode({
			binaryMode,
			credentials: credentials(),
			parameters: { operation: 'copyToRecord', attachmentId: rl(sourceId), entityType: 'Case', recordId: rl(target), field: 'attachments' },
		});
		expect(result.error).toBeUndefined();
		const copyId = result.items[0].json.id as string;
		expect(copyId).not.toBe(sourceId);
		expect(idsOn(emu, 'Case', target)).toEqual([copyId]);
		expect(emu.state.record('Document', documentId)?.fileId).toBe(sourceId);
		expect(emu.state.attachment(copyId)?.sourceId).toBe(sourceId);
		expect(emu.state.sha256(copyId)).toBe(emu.state.sha256(sourceId));
	});

	test('Remove From Record takes one attachment off, keeps the others, and deletes it only when asked', async () => {
		const emu = emulator();
		const caseId = emu.state.createRecord('Case', { name: `Remove ${binaryMode}` }).id as string;
		const upload = await runNode({
			binaryMode,
			credentials: credentials(),
			parameters: { operation: 'uploadToAttachmentMultiple', entityType: 'Case', field: 'attachments', recordMode: 'existing', recordId: rl(caseId) },
			items: ['a.txt', 'b.txt', 'c.txt'].map((name) => fileItem(name, name, 'text/plain')),
		});
		const [a, b, c] = upload.items.map((item) => item.json.id as string);
		const removed = await runNode({
			binaryMode,
			credentials: credentials(),
			parameters: { operation: 'removeFromRecord', entityType: 'Case', recordId: rl(caseId), field: 'attachments', attachmentId: rl(b) },
		});
		expect(removed.error).toBeUndefined();
		expect(idsOn(emu, 'Case', caseId).sort()).toEqual([a, c].sort());
		expect(emu.state.attachment(b)).toMatchObject({ deleted: false, parentId: null });
		const deleted = await runNode({
			binaryMode,
			credentials: credentials(),
			parameters: { operation: 'removeFromRecord', entityType: 'Case', recordId: rl(caseId), field: 'attachments', attachmentId: rl(c), options: { deleteAttachment: true } },
		});
		expect(deleted.error).toBeUndefined();
		expect(idsOn(emu, 'Case', caseId)).toEqual([a]);
		expect(emu.state.attachment(c)?.deleted).toBe(true);
	});

	test('Delete deletes the attachment', async () => {
		const emu = emulator();
		const attachment = emu.state.createAttachment({ name: 'gone.txt', type: 'text/plain', bytes: Buffer.from('gone'), field: 'attachments', parentType: 'Case', createdBy: emu.users.apiUser.id });
		const result = await runNode({ binaryMode, credentials: credentials(), parameters: { operation: 'delete', attachmentId: rl(attachment.id) } });
		expect(result.error).toBeUndefined();
		expect(result.items[0].json).toEqual({ id: attachment.id, deleted: true });
		expect(emu.state.attachment(attachment.id)?.deleted).toBe(true);
	});

	test('A failed link deletes the uploaded attachment and the error says so (nothing orphaned)', async () => {
		const emu = emulator();
		const before = attachmentIds(emu);
		const result = await runNode({
			binaryMode,
			credentials: credentials(),
			parameters: {
				operation: 'uploadToFileField',
				entityType: 'Document',
				field: 'file',
				recordMode: 'new',
				recordFieldsInput: 'json',
				recordFieldsJson: '{"name": "No publish date"}',
			},
			items: [fileItem('x.txt', 'x', 'text/plain')],
		});
		expect(result.error?.message).toMatch(/publishDate.*required/);
		expect(result.error?.description).toMatch(/uploaded attachment \w+ was deleted/);
		expect(orphans(emu, before)).toEqual([]);
	});

	test('With Continue On Fail, a failing item in the middle yields an error item and the others go on', async () => {
		const emu = emulator();
		const caseId = emu.state.createRecord('Case', { name: `COF ${binaryMode}` }).id as string;
		const before = attachmentIds(emu);
		const result = await runNode({
			binaryMode,
			credentials: credentials(),
			continueOnFail: true,
			parameters: { operation: 'uploadToAttachmentMultiple', entityType: 'Case', field: 'attachments', recordMode: 'existing', recordId: rl(caseId) },
			items: [fileItem('1.txt', '1', 'text/plain'), { json: {} }, fileItem('3.txt', '3', 'text/plain')],
		});
		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(result.items[1].json.error).toMatch(/binary|data/i);
		expect(idsOn(emu, 'Case', caseId).sort()).toEqual([result.items[0].json.id as string, result.items[2].json.id as string].sort());
		expect(orphans(emu, before)).toEqual([]);
	});

	test('Without Continue On Fail, the failing item stops the node with its item index', async () => {
		const result = await runNode({
			binaryMode,
			credentials: credentials(),
			parameters: { operation: 'get', attachmentId: rl('={{ $json.id }}') },
			items: [{ json: { id: 'ffffffffffffffff0' } }],
		});
		expect(result.error?.message).toMatch(/404.*\[item 0\]/);
		expect(result.error?.itemIndex).toBe(0);
	});

	test('A file bigger than the chunk size goes up in ordered chunks and is stored byte-exact', async () => {
		const emu = emulator();
		const contents = Buffer.alloc(2.5 * 1024 * 1024);
		for (let i = 0; i < contents.length; i++) contents[i] = (i * 7 + 3) % 251;
		emu.clearLog();
		const result = await runNode({
			binaryMode,
			credentials: credentials(),
			parameters: { operation: 'upload', entityType: 'Case', field: 'attachments', options: { chunkSizeMb: 1 } },
			items: [fileItem('big.bin', contents, 'application/octet-stream')],
		});
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		const chunks = emu.log.filter((entry) => entry.path.startsWith('/Attachment/chunk/'));
		expect(chunks.map((entry) => entry.status)).toEqual([200, 200, 200]);
		expect(emu.state.attachment(id)).toMatchObject({ isBeingUploaded: false, size: contents.length });
		expect(emu.state.sha256(id)).toBe(sha256(contents));
	});
});
