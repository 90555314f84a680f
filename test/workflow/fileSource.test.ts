// "File Source": a file made from text (UTF-8) or base64 instead of an input binary, on the three
// operations that upload. Through the real n8n engine in both binary-data modes; every test checks
// what EspoCRM holds afterwards (bytes, name, type, the ids on the record) or the error the user reads.
import { runNode, shutdownHarness } from '../harness';
import { DEFAULT_SETTINGS } from '../emulator/context';
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

// Non-ASCII on purpose: the stored bytes must be the UTF-8 encoding of the text.
const NOTE = 'Call summary – Résumé: the customer wants 5 € off.\nNext step: send the offer.\n';

describe.each(BINARY_MODES)('File Source Text and Base64, binary mode %s', (binaryMode) => {
	const emulator = useEmulator();
	const credentials = () => apiKeyCredential(emulator());

	test('Upload and Link, File Source Text: a new Document holds the UTF-8 bytes of the text as text/plain under the given name', async () => {
		const result = await runNode({
			binaryMode,
			credentials: credentials(),
			parameters: {
				operation: 'uploadToFileField', entityType: 'Document', field: 'file', recordMode: 'new',
				recordFieldsInput: 'keyValue', recordFields: { field: [{ name: 'name', value: 'Call notes' }, { name: 'publishDate', value: '2026-02-01' }] },
				fileSource: 'text', fileName: 'call-notes.txt', fileContent: NOTE,
			},
		});
		expect(result.error).toBeUndefined();
		const { id, record } = result.items[0].json as { id: string; record: { id: string } };
		const document = emulator().state.record('Document', record.id)!;
		expect(document).toMatchObject({ name: 'Call notes', fileId: id });
		expect(emulator().state.attachment(id)).toMatchObject({
			name: 'call-notes.txt', type: 'text/plain', size: Buffer.byteLength(NOTE, 'utf8'), role: 'Attachment', relatedType: 'Document', field: 'file',
		});
		expect(emulator().state.sha256(id)).toBe(sha256(Buffer.from(NOTE, 'utf8')));
	});

	test('Upload and Append, File Source Text from expressions: each item\'s text is appended to the Case, the files it had stay', async () => {
		const emu = emulator();
		const kept = emu.state.createAttachment({ name: 'kept.txt', type: 'text/plain', bytes: Buffer.from('kept'), field: 'attachments', parentType: 'Case' });
		const caseId = emu.state.createRecord('Case', { name: `Text ${binaryMode}`, attachmentsIds: [kept.id] }).id as string;
		const rows = [
			{ name: 'summary.md', text: '# Summary\n\nAll good.\n', type: 'text/markdown' },
			{ name: 'contacts.csv', text: 'name,email\nAda,ada@example.com\n', type: 'text/csv' },
		];
		const result = await runNode({
			binaryMode,
			credentials: credentials(),
			parameters: {
				operation: 'uploadToAttachmentMultiple', entityType: 'Case', field: 'attachments', recordMode: 'existing', recordId: rl(caseId),
				fileSource: 'text', fileName: '={{ $json.name }}', fileContent: '={{ $json.text }}', textMimeType: '={{ $json.type }}',
			},
			// A binary on the item is not used when the file comes from text.
			items: rows.map((row) => ({ ...fileItem('ignored.bin', 'not this', 'application/octet-stream'), json: row })),
		});
		expect(result.error).toBeUndefined();
		const newIds = result.items.map((item) => item.json.id as string);
		expect(idsOn(emu, 'Case', caseId)).toEqual([kept.id, ...newIds]);
		for (const [i, row] of rows.entries()) {
			expect(emu.state.attachment(newIds[i])).toMatchObject({ name: row.name, type: row.type, size: Buffer.byteLength(row.text), parentType: 'Case', field: 'attachments' });
			expect(emu.state.sha256(newIds[i])).toBe(sha256(Buffer.from(row.text, 'utf8')));
		}
	});

	test('Upload, File Source Base64: a data URI\'s bytes are stored with its MIME type; plain base64 takes the MIME Type parameter', async () => {
		const pdf = Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3 binary bytes \x00\x01\x02\xff', 'latin1');
		const result = await runNode({
			binaryMode,
			credentials: credentials(),
			parameters: {
				operation: 'upload', entityType: 'Case', field: 'attachments',
				fileSource: 'base64', fileName: '={{ $json.name }}', fileContentBase64: '={{ $json.b64 }}', base64MimeType: '={{ $json.type }}',
			},
			items: [
				{ json: { name: 'offer.pdf', b64: `data:application/pdf;base64,${pdf.toString('base64')}`, type: '' } },
				// Line-wrapped (as MIME mail gives it) and without padding.
				{ json: { name: 'raw.bin', b64: pdf.toString('base64').replace(/=+$/, '').replace(/(.{16})/g, '$1\n'), type: 'application/x-custom' } },
			],
		});
		expect(result.error).toBeUndefined();
		const [offer, raw] = result.items.map((item) => item.json.id as string);
		expect(emulator().state.attachment(offer)).toMatchObject({ name: 'offer.pdf', type: 'application/pdf', size: pdf.length, parentType: 'Case' });
		expect(emulator().state.attachment(raw)).toMatchObject({ name: 'raw.bin', type: 'application/x-custom', size: pdf.length });
		expect(emulator().state.sha256(offer)).toBe(sha256(pdf));
		expect(emulator().state.sha256(raw)).toBe(sha256(pdf));
	});

	test('File Name and MIME Type left in the options from Binary Field (hidden for Text) do not rename a text file', async () => {
		const result = await runNode({
			binaryMode,
			credentials: credentials(),
			parameters: {
				operation: 'upload', entityType: 'Case', field: 'attachments',
				fileSource: 'text', fileName: 'minutes.txt', fileContent: 'minutes', options: { fileName: 'scan.pdf', mimeType: 'application/pdf' },
			},
		});
		expect(result.error).toBeUndefined();
		expect(emulator().state.attachment(result.items[0].json.id as string)).toMatchObject({ name: 'minutes.txt', type: 'text/plain', size: 7 });
	});

	test('a text bigger than the chunk size takes the chunked upload: EspoCRM holds every byte', async () => {
		const emu = emulator();
		const text = Array.from({ length: 900 }, (_, i) => `line ${i} – ünïcödé\n`).join('');
		emu.clearLog();
		const result = await runNode({
			binaryMode,
			credentials: credentials(),
			parameters: {
				operation: 'upload', entityType: 'Case', field: 'attachments',
				fileSource: 'text', fileName: 'long.txt', fileContent: text, options: { chunkSizeMb: 0.01 },
			},
		});
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		const bytes = Buffer.from(text, 'utf8');
		const chunkSize = Math.floor(0.01 * 1024 * 1024);
		expect(emu.log.filter((entry) => entry.method === 'POST' && entry.path === `/Attachment/chunk/${id}`)).toHaveLength(Math.ceil(bytes.length / chunkSize));
		expect(emu.state.attachment(id)).toMatchObject({ size: bytes.length, isBeingUploaded: false });
		expect(emu.state.sha256(id)).toBe(sha256(bytes));
	});

	test('EspoCRM\'s size limit applies to a text file: the error names the file and the limit, nothing is uploaded', async () => {
		const emu = emulator();
		emu.setSettings({ attachmentUploadMaxSize: 1 });
		try {
			const before = attachmentIds(emu);
			const result = await runNode({
				binaryMode,
				credentials: credentials(),
				parameters: { operation: 'upload', entityType: 'Case', field: 'attachments', fileSource: 'text', fileName: 'big.txt', fileContent: 'x'.repeat(1.5 * 1024 * 1024) },
			});
			expect(result.error?.message).toBe("The file 'big.txt' is 1.50 MB, more than EspoCRM accepts for Case.attachments (1.00 MB) [item 0]");
			expect(attachmentIds(emu)).toEqual(before);
		} finally {
			emu.setSettings(DEFAULT_SETTINGS);
		}
	});

	type BadInput = { fileSource: string; fileName: string; fileContent?: string; fileContentBase64?: string; textMimeType?: string };
	test.each<[string, BadInput, string]>([
		[
			'invalid base64',
			{ fileSource: 'base64', fileName: 'a.pdf', fileContentBase64: 'JVBERi0x!LjQ=' },
			'"Base64 Content" of \'a.pdf\' is not valid base64 (the character "!" at position 9 is not base64) [item 1]',
		],
		[
			'base64 of a wrong length',
			{ fileSource: 'base64', fileName: 'a.pdf', fileContentBase64: 'JVBER' },
			'"Base64 Content" of \'a.pdf\' is not valid base64 (its length or padding is wrong) [item 1]',
		],
		['a data URI that is not base64', { fileSource: 'base64', fileName: 'a.txt', fileContentBase64: 'data:text/plain,hello' }, '"Base64 Content" of \'a.txt\' is a data URI without ";base64," [item 1]'],
		['an empty text', { fileSource: 'text', fileName: 'a.txt', fileContent: '' }, '"File Content" of \'a.txt\' is empty [item 1]'],
		['no file name', { fileSource: 'text', fileName: '  ', fileContent: 'hello' }, '"File Name" is empty: a file made from text needs a name [item 1]'],
		['a MIME type that is not type/subtype', { fileSource: 'text', fileName: 'a.txt', fileContent: 'hello', textMimeType: 'plain text' }, 'The MIME type "plain text" (parameter "MIME Type") is not a valid type/subtype [item 1]'],
	])('%s: the error names the item and the cause, nothing is uploaded, the other item is', async (_, parameters, message) => {
		const emu = emulator();
		const before = attachmentIds(emu);
		const result = await runNode({
			binaryMode,
			credentials: credentials(),
			continueOnFail: true,
			parameters: {
				operation: 'upload', entityType: 'Case', field: 'attachments',
				fileSource: '={{ $json.source }}', fileName: '={{ $json.name }}', fileContent: '={{ $json.text }}', fileContentBase64: '={{ $json.b64 }}', textMimeType: '={{ $json.type }}',
			},
			items: [
				{ json: { source: 'text', name: 'ok.txt', text: 'fine', type: 'text/plain' } },
				{
					json: {
						source: parameters.fileSource, name: parameters.fileName, text: parameters.fileContent ?? '', b64: parameters.fileContentBase64 ?? '', type: parameters.textMimeType ?? 'text/plain',
					},
				},
			],
		});
		expect(result.items[1].json.error).toBe(message);
		expect(result.items[1].json.details).toMatch(/Nothing was uploaded\.$/);
		const added = [...attachmentIds(emu)].filter((id) => !before.has(id));
		expect(added).toEqual([result.items[0].json.id]);
		expect(emu.state.sha256(added[0])).toBe(sha256(Buffer.from('fine')));
		expect(orphans(emu, before)).toEqual(added); // the one upload, not linked (Upload links nothing)
	});
});
