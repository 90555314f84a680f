// Failure catalogue (issue #6), bad input: the file the item carries. Each case runs the node through
// the real engine against the emulator and checks the line the user reads, EspoCRM's state
// afterwards, and (in runCase) that no secret leaked. The table is in test/catalogue/README.md.
import { shutdownHarness } from '../harness';
import { apiKeyCredential, fileItem, idsOn, rl, sha256, useEmulator } from '../workflow/nodeFixtures';
import {
	CONTENT,
	caseWithFile,
	documentWithFile,
	expectFailure,
	expectUnchanged,
	newLiveAttachments,
	runCase,
	snapshot,
} from './catalogue';

afterAll(async () => await shutdownHarness());

const binaryMode = 'filesystem' as const;

describe('bad input: the file', () => {
	const emulator = useEmulator();
	const credentials = () => apiKeyCredential(emulator());

	const appendTo = (caseId: string, options = {}) => ({
		operation: 'uploadToAttachmentMultiple',
		entityType: 'Case',
		field: 'attachments',
		recordMode: 'existing',
		recordId: rl(caseId),
		options,
	});
	const replaceFileOf = (documentId: string, options = {}) => ({
		operation: 'uploadToFileField',
		entityType: 'Document',
		field: 'file',
		recordMode: 'existing',
		recordId: rl(documentId),
		options,
	});
	const photoOf = (inspectionId: string, options = {}) => ({
		operation: 'uploadToFileField',
		entityType: 'CInspection',
		field: 'photo',
		recordMode: 'existing',
		recordId: rl(inspectionId),
		options,
	});
	const inspection = (label: string) => emulator().state.createRecord('CInspection', { name: `Catalogue ${label}` }).id as string;

	test('B01 the input item has no binary data at all: names the field and the item, nothing is written', async () => {
		const emu = emulator();
		const { caseId } = caseWithFile(emu, 'B01');
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: appendTo(caseId), items: [{ json: { note: 'no file' } }] });
		expectFailure(result, { message: /binary file 'data'.*none was found/, description: /previous node outputs a binary file/ });
		expectUnchanged(emu, before);
	});

	test('B02 the binary field name is wrong: names the missing field, nothing is written', async () => {
		const emu = emulator();
		const { caseId } = caseWithFile(emu, 'B02');
		const before = snapshot(emu);
		const item = { json: {}, binary: { attachment: { data: CONTENT.text, fileName: 'a.txt', mimeType: 'text/plain' } } };
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: appendTo(caseId), items: [item] });
		expectFailure(result, { message: /no binary field 'data'/, description: /input binary field name/ });
		expectUnchanged(emu, before);
	});

	test('B03 the second of three items has no file: the error names [item 1] and says what the other items did', async () => {
		const emu = emulator();
		const { caseId, existingId } = caseWithFile(emu, 'B03');
		const before = snapshot(emu);
		const result = await runCase({
			binaryMode,
			credentials: credentials(),
			parameters: appendTo(caseId),
			items: [fileItem('first.txt', 'first', 'text/plain'), { json: {} }, fileItem('third.txt', 'third', 'text/plain')],
		});
		expectFailure(result, { item: 1, message: /binary file 'data'.*none was found/, description: /Item\(s\) 0, 2 succeeded and were written to EspoCRM; running the workflow again repeats them/ });
		// Items 0 and 2 ran to the end (no upload is left unlinked): the Case holds them beside its file.
		const added = newLiveAttachments(emu, before);
		expect(added).toHaveLength(2);
		expect(idsOn(emu, 'Case', caseId).sort()).toEqual([existingId, ...added].sort());
		expectUnchanged(emu, before, { attachments: added, records: [`Case:${caseId}`] });
	});

	test('B04 an empty file (0 bytes) is refused before anything is uploaded', async () => {
		const emu = emulator();
		const { caseId } = caseWithFile(emu, 'B04');
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: appendTo(caseId), items: [fileItem('empty.txt', Buffer.alloc(0), 'text/plain')] });
		expectFailure(result, { message: /The file 'empty\.txt' is empty \(0 bytes\)/, description: /produced an empty file.*Nothing was uploaded/ });
		expectUnchanged(emu, before);
	});

	test('B05 an empty file in memory mode is refused the same way', async () => {
		const emu = emulator();
		const { caseId } = caseWithFile(emu, 'B05');
		const before = snapshot(emu);
		const result = await runCase({ binaryMode: 'default', credentials: credentials(), parameters: appendTo(caseId), items: [fileItem('empty.txt', Buffer.alloc(0), 'text/plain')] });
		expectFailure(result, { message: /The file 'empty\.txt' is empty \(0 bytes\)/, description: /produced an empty file.*Nothing was uploaded/ });
		expectUnchanged(emu, before);
	});

	test('B06 a file name without an extension on Document.file (accept list): refused, the message names the file and the accepted types', async () => {
		const emu = emulator();
		const { documentId } = documentWithFile(emu, 'B06');
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: replaceFileOf(documentId), items: [fileItem('README', CONTENT.text, 'text/plain')] });
		expectFailure(result, { message: /does not accept the file 'README' \(text\/plain\) in Document\.file \(403 Not allowed file type\.\)/, description: /Document\.file accepts \.pdf, .*\.txt\. 'README' has no extension/ });
		expectUnchanged(emu, before);
	});

	test('B07 a file name without an extension on Case.attachments (no accept list) is stored as it is', async () => {
		const emu = emulator();
		const { caseId, existingId } = caseWithFile(emu, 'B07');
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: appendTo(caseId), items: [fileItem('README', CONTENT.text, 'text/plain')] });
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		expect(emu.state.attachment(id)).toMatchObject({ name: 'README', type: 'text/plain', parentId: caseId });
		expect(idsOn(emu, 'Case', caseId).sort()).toEqual([existingId, id].sort());
		expectUnchanged(emu, before, { attachments: [id], records: [`Case:${caseId}`] });
	});

	test('B08 a non-ASCII file name is stored exactly', async () => {
		const emu = emulator();
		const { caseId } = caseWithFile(emu, 'B08');
		const before = snapshot(emu);
		const name = 'Straße 文件 – ünïcødé.txt';
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: appendTo(caseId), items: [fileItem(name, 'unicode', 'text/plain')] });
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		expect(emu.state.attachment(id)).toMatchObject({ name, parentId: caseId });
		expect(emu.state.sha256(id)).toBe(sha256(Buffer.from('unicode')));
		expectUnchanged(emu, before, { attachments: [id], records: [`Case:${caseId}`] });
	});

	test('B09 a file name with quotes is stored exactly', async () => {
		const emu = emulator();
		const { caseId } = caseWithFile(emu, 'B09');
		const before = snapshot(emu);
		const name = `the "final" 'one'.txt`;
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: appendTo(caseId, { fileName: name }), items: [fileItem('x.txt', 'quotes', 'text/plain')] });
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		expect(emu.state.attachment(id)).toMatchObject({ name, parentId: caseId });
		expectUnchanged(emu, before, { attachments: [id], records: [`Case:${caseId}`] });
	});

	test('B10 a file name with slashes is a label in EspoCRM: stored exactly, nothing else touched', async () => {
		const emu = emulator();
		const { caseId } = caseWithFile(emu, 'B10');
		const before = snapshot(emu);
		const name = 'reports/2026\\q1.txt';
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: appendTo(caseId, { fileName: name }), items: [fileItem('x.txt', 'slashes', 'text/plain')] });
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		expect(emu.state.attachment(id)).toMatchObject({ name, parentId: caseId });
		expectUnchanged(emu, before, { attachments: [id], records: [`Case:${caseId}`] });
	});

	test('B11 a file name with ../ does not reach another place: stored as the label, bytes exact', async () => {
		const emu = emulator();
		const { caseId } = caseWithFile(emu, 'B11');
		const before = snapshot(emu);
		const name = '../../../etc/passwd.txt';
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: appendTo(caseId, { fileName: name }), items: [fileItem('x.txt', 'traversal', 'text/plain')] });
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		expect(emu.state.attachment(id)).toMatchObject({ name, parentId: caseId });
		expect(emu.state.sha256(id)).toBe(sha256(Buffer.from('traversal')));
		expect(emu.log.every((entry) => !entry.path.includes('..'))).toBe(true);
		expectUnchanged(emu, before, { attachments: [id], records: [`Case:${caseId}`] });
	});

	test('B12 no MIME type on the input: the type n8n derives from the name (.pdf) is stored', async () => {
		const emu = emulator();
		const { documentId } = documentWithFile(emu, 'B12');
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: replaceFileOf(documentId), items: [fileItem('contract.pdf', CONTENT.pdf, '')] });
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		expect(emu.state.attachment(id)).toMatchObject({ name: 'contract.pdf', type: 'application/pdf', relatedId: documentId });
		expect(emu.state.record('Document', documentId)?.fileId).toBe(id);
		// EspoCRM deletes the file a File field held before (observed §5.06–5.07): asked for, so allowed.
		const previous = [...before.attachments.keys()].find((key) => (before.records.get(`Document:${documentId}`) as { fileId: string }).fileId === key)!;
		expect(emu.state.attachment(previous)?.deleted).toBe(true);
		expectUnchanged(emu, before, { attachments: [id, previous], records: [`Document:${documentId}`] });
	});

	test('B13 an Image field gets photo.jpg labelled image/jpg: sent as image/jpeg and stored', async () => {
		const emu = emulator();
		const inspectionId = inspection('B13');
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: photoOf(inspectionId), items: [fileItem('photo.jpg', CONTENT.jpeg, 'image/jpg')] });
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		expect(emu.state.attachment(id)).toMatchObject({ name: 'photo.jpg', type: 'image/jpeg', relatedId: inspectionId });
		expect(emu.state.record('CInspection', inspectionId)?.photoId).toBe(id);
		expectUnchanged(emu, before, { attachments: [id], records: [`CInspection:${inspectionId}`] });
	});

	test('B14 an Image field gets photo.jpg labelled application/octet-stream: stored as image/jpeg, or a message about the MIME type', async () => {
		const emu = emulator();
		const inspectionId = inspection('B14');
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: photoOf(inspectionId), items: [fileItem('photo.jpg', CONTENT.jpeg, 'application/octet-stream')] });
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		expect(emu.state.attachment(id)).toMatchObject({ name: 'photo.jpg', type: 'image/jpeg', relatedId: inspectionId });
		expectUnchanged(emu, before, { attachments: [id], records: [`CInspection:${inspectionId}`] });
	});

	test('B15 an Image field gets photo.png whose bytes are a JPEG: refused, the message names the mismatch, not the role', async () => {
		const emu = emulator();
		const inspectionId = inspection('B15');
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: photoOf(inspectionId), items: [fileItem('photo.png', CONTENT.jpeg, 'image/png')] });
		expectFailure(result, { message: /'photo\.png'.*(content|bytes|detected).*(extension|\.png)/i, description: /^(?!.*Roles).*(extension|content)/is });
		expectUnchanged(emu, before);
	});

	test('B15b the same mismatch in a chunked upload: EspoCRM removes the attachment at the last chunk, the node says so (not "could NOT be deleted")', async () => {
		const emu = emulator();
		const inspectionId = inspection('B15b');
		const before = snapshot(emu);
		const jpegBytes = Buffer.concat([CONTENT.jpeg, Buffer.alloc(30_000, 3)]);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: photoOf(inspectionId, { chunkSizeMb: 0.01 }), items: [fileItem('photo.png', jpegBytes, 'image/png')] });
		expectFailure(result, { message: /'photo\.png'.*(content|bytes|detected).*(extension|\.png)/i, description: /^(?!.*could NOT be deleted)(?!.*Roles).*partial attachment \w+ was deleted\./s });
		expectUnchanged(emu, before);
	});

	test('B16 a PNG on Document.file (a type the field does not accept): refused, nothing written', async () => {
		const emu = emulator();
		const { documentId } = documentWithFile(emu, 'B16');
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: replaceFileOf(documentId), items: [fileItem('scan.png', CONTENT.png, 'image/png')] });
		expectFailure(result, { message: /does not accept the file 'scan\.png' \(image\/png\) in Document\.file \(403 Not allowed file type\.\)/, description: /Document\.file accepts \.pdf, .*\.txt\. Rename the file/ });
		expectUnchanged(emu, before);
	});

	test('B17 a .txt on CInspection.report, which accepts only .pdf: refused, nothing written', async () => {
		const emu = emulator();
		const inspectionId = inspection('B17');
		const before = snapshot(emu);
		const result = await runCase({
			binaryMode,
			credentials: credentials(),
			parameters: { ...photoOf(inspectionId), field: 'report' },
			items: [fileItem('report.txt', CONTENT.text, 'text/plain')],
		});
		expectFailure(result, { message: /does not accept the file 'report\.txt' \(text\/plain\) in CInspection\.report/, description: /CInspection\.report accepts \.pdf\./ });
		expectUnchanged(emu, before);
	});

	test('B18 a text file on CInspection.photos, which accepts image/*: refused, nothing written', async () => {
		const emu = emulator();
		const inspectionId = inspection('B18');
		const before = snapshot(emu);
		const result = await runCase({
			binaryMode,
			credentials: credentials(),
			parameters: { operation: 'uploadToAttachmentMultiple', entityType: 'CInspection', field: 'photos', recordMode: 'existing', recordId: rl(inspectionId) },
			items: [fileItem('notes.txt', CONTENT.text, 'text/plain')],
		});
		expectFailure(result, { message: /does not accept the file 'notes\.txt' \(text\/plain\) in CInspection\.photos/, description: /CInspection\.photos accepts image\/\*\./ });
		expectUnchanged(emu, before);
	});

	test('B19 a non-image extension on an Image field (photo.txt): refused, nothing written', async () => {
		const emu = emulator();
		const inspectionId = inspection('B19');
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: photoOf(inspectionId), items: [fileItem('photo.txt', CONTENT.text, 'text/plain')] });
		expectFailure(result, { message: /does not accept the file 'photo\.txt' \(text\/plain\) in CInspection\.photo \(403/, description: /An Image field accepts \.jpg, \.jpeg, \.png/ });
		expectUnchanged(emu, before);
	});

	test('B20 a file without a name: the name follows its MIME type (contract PDF → .pdf), so Document.file accepts it', async () => {
		const emu = emulator();
		const { documentId } = documentWithFile(emu, 'B20');
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: replaceFileOf(documentId), items: [{ json: {}, binary: { data: { data: CONTENT.pdf, mimeType: 'application/pdf' } } }] });
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		expect(emu.state.attachment(id)).toMatchObject({ name: expect.stringMatching(/\.pdf$/), type: 'application/pdf', relatedId: documentId });
		const previous = (before.records.get(`Document:${documentId}`) as { fileId: string }).fileId;
		expectUnchanged(emu, before, { attachments: [id, previous], records: [`Document:${documentId}`] });
	});
});

describe('bad input: a file over the server\'s maximum size (attachmentUploadMaxSize 1 MB)', () => {
	const emulator = useEmulator({ settings: { attachmentUploadMaxSize: 1 } });

	test('B21 a 1.5 MB file is refused before it is sent, naming both sizes and the setting', async () => {
		const emu = emulator();
		const { caseId } = caseWithFile(emu, 'B21');
		const before = snapshot(emu);
		emu.clearLog();
		const result = await runCase({
			binaryMode,
			credentials: apiKeyCredential(emu),
			parameters: { operation: 'uploadToAttachmentMultiple', entityType: 'Case', field: 'attachments', recordMode: 'existing', recordId: rl(caseId) },
			items: [fileItem('big.bin', Buffer.alloc(1.5 * 1024 * 1024, 7), 'application/octet-stream')],
		});
		expectFailure(result, { message: /'big\.bin' is 1\.50 MB, more than EspoCRM accepts for Case\.attachments \(1\.00 MB\)/, description: /Attachment Upload Max Size/ });
		expect(emu.log.filter((entry) => entry.method === 'POST')).toEqual([]);
		expectUnchanged(emu, before);
	});
});

describe('bad input: a file over PHP post_max_size on a server without chunked uploads (before 7.2)', () => {
	const emulator = useEmulator({ noChunkEndpoint: true, settings: { maxUploadSize: 1 } });

	test('B22 a 1.5 MB file is refused before it is sent, with the two ways to fix it', async () => {
		const emu = emulator();
		const { caseId } = caseWithFile(emu, 'B22');
		const before = snapshot(emu);
		emu.clearLog();
		const result = await runCase({
			binaryMode,
			credentials: apiKeyCredential(emu),
			parameters: { operation: 'uploadToAttachmentMultiple', entityType: 'Case', field: 'attachments', recordMode: 'existing', recordId: rl(caseId) },
			items: [fileItem('big.bin', Buffer.alloc(1.5 * 1024 * 1024, 7), 'application/octet-stream')],
		});
		expectFailure(result, { message: /'big\.bin' is 1\.50 MB, more than this EspoCRM accepts in one request \(1\.00 MB\)/, description: /chunk.*post_max_size/ });
		expect(emu.log.filter((entry) => entry.method === 'POST')).toEqual([]);
		expectUnchanged(emu, before);
	});
});
