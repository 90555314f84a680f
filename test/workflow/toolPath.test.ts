// The node as an AI Agent's tool (EspoCRM Attachment Tool), run through n8n's own tool path:
// the engine request n8n 2.x's AI Agent sends, the tool node's parameters filled by $fromAI() from
// the arguments a model would give (given here directly, no model), and the observation the agent
// hands back to the model (see test/harness/tool.ts). EspoCRM's state is compared with what the
// regular node does with the same values.
import { runNode, shutdownHarness } from '../harness';
import { runAsTool } from '../harness/tool';
import type { Emulator } from '../emulator';
import { apiKeyCredential, attachmentIds, idsOn, orphans, rl, sha256, useEmulator } from './nodeFixtures';

afterAll(async () => await shutdownHarness());

const fromAI = (key: string, description: string) => `={{ $fromAI('${key}', '${description}', 'string') }}`;

describe('EspoCRM Attachment Tool through n8n\'s tool path, parameters from $fromAI', () => {
	const emulator = useEmulator();
	const credentials = () => apiKeyCredential(emulator());

	test('Download From Record: the agent reads the same files the regular node returns', async () => {
		const { caseId } = emulator().seed!;
		const parameters = { operation: 'downloadFromRecord', entityType: 'Case', field: 'attachments', outputBinaryField: 'data', options: {} };
		const regular = await runNode({ binaryMode: 'filesystem', credentials: credentials(), parameters: { ...parameters, recordId: rl(caseId) } });
		expect(regular.error).toBeUndefined();

		const tool = await runAsTool({
			credentials: credentials(),
			parameters: { ...parameters, recordId: { __rl: true, mode: 'id', value: fromAI('caseId', 'The id of the Case') } },
			calls: [{ id: 'call_1', args: { caseId } }],
		});
		const observed = JSON.parse(tool.observations.call_1) as Array<{ id: string; name: string; size: number }>;
		expect(observed.map(({ id, name, size }) => ({ id, name, size }))).toEqual(
			regular.items.map(({ json }) => ({ id: json.id, name: json.name, size: json.size })),
		);
		expect(observed.map((file) => file.name)).toEqual(['existing.txt']);
	});

	test('Get: the model-given attachment id reaches EspoCRM; the agent reads its details', async () => {
		const { documentFileId } = emulator().seed!;
		const tool = await runAsTool({
			credentials: credentials(),
			parameters: { operation: 'get', attachmentId: { __rl: true, mode: 'id', value: fromAI('attachmentId', 'The id of the attachment') }, options: {} },
			calls: [{ id: 'call_get', args: { attachmentId: documentFileId } }],
		});
		const [details] = JSON.parse(tool.observations.call_get) as Array<Record<string, unknown>>;
		expect(details).toMatchObject({ id: documentFileId, name: 'demo.txt', type: 'text/plain', size: 18 });
	});

	test('Copy to Record: the tool leaves EspoCRM as the regular node does (a new copy on the Case, the others kept, the original stays)', async () => {
		const { caseId, documentFileId } = emulator().seed!;
		const state = emulator().state;
		const before = state.record('Case', caseId)!.attachmentsIds as string[];
		const parameters = { operation: 'copyToRecord', entityType: 'Case', field: 'attachments', options: {} };
		const regular = await runNode({
			binaryMode: 'filesystem', credentials: credentials(),
			parameters: { ...parameters, attachmentId: rl(documentFileId), recordId: rl(caseId) },
		});
		expect(regular.error).toBeUndefined();
		const afterRegular = state.record('Case', caseId)!.attachmentsIds as string[];

		const tool = await runAsTool({
			credentials: credentials(),
			parameters: {
				...parameters,
				attachmentId: { __rl: true, mode: 'id', value: fromAI('attachmentId', 'The attachment to copy') },
				recordId: { __rl: true, mode: 'id', value: fromAI('caseId', 'The Case that gets the copy') },
			},
			calls: [{ id: 'call_copy', args: { attachmentId: documentFileId, caseId } }],
		});
		const [copy] = JSON.parse(tool.observations.call_copy) as Array<{ id: string }>;
		const afterTool = state.record('Case', caseId)!.attachmentsIds as string[];
		// Each run added exactly one new attachment and kept all others, the same way.
		expect(afterRegular).toEqual([...before, regular.items[0].json.id]);
		expect(afterTool).toEqual([...afterRegular, copy.id]);
		expect(state.sha256(copy.id)).toBe(state.sha256(documentFileId));
		expect(state.attachment(documentFileId)).toMatchObject({ relatedType: 'Document', field: 'file' });
	});

	test('an error comes back as tool output the agent can read: what failed, why, and no credential', async () => {
		const tool = await runAsTool({
			credentials: credentials(),
			parameters: { operation: 'get', attachmentId: { __rl: true, mode: 'id', value: fromAI('attachmentId', 'The id of the attachment') }, options: {} },
			calls: [{ id: 'call_bad', args: { attachmentId: 'doesnotexist00001' } }],
		});
		// What the model reads: the message (what, why) and the hint (what to do), as JSON.
		expect(JSON.parse(tool.observations.call_bad)).toEqual([
			{
				error: 'EspoCRM could not find attachment doesnotexist00001 (404): Record doesnotexist00001 does not exist. [item 0]',
				details: 'Check the ID and the entity type. The record or attachment may have been deleted, or the API user cannot see it.',
			},
		]);
		expect(tool.observations.call_bad).not.toContain(emulator().users.apiUser.apiKey);
		expect(tool.status).toBe('success');
	});

	test('Upload as a tool from a binary field: a tool call carries no binary, so the agent reads which input is missing and nothing is stored', async () => {
		const before = emulator().state.attachments().length;
		const tool = await runAsTool({
			credentials: credentials(),
			parameters: { operation: 'upload', entityType: 'Case', field: 'attachments', binaryPropertyName: 'data', options: {} },
			calls: [{ id: 'call_up', args: {} }],
		});
		expect(JSON.parse(tool.observations.call_up)).toEqual([
			{
				error: "This operation expects the node's input data to contain a binary file 'data', but none was found [item 0]",
				details: 'Make sure that the previous node outputs a binary file',
			},
		]);
		expect(emulator().state.attachments().length).toBe(before);
	});
});

// What a record's file looks like in EspoCRM, without the ids that differ between two runs.
function fileState(emu: Emulator, id: string) {
	const { name, type, size, role, field, parentType, relatedType, isBeingUploaded } = emu.state.attachment(id)!;
	return { name, type, size, role, field, parentType, relatedType, isBeingUploaded, sha256: emu.state.sha256(id) };
}

describe('Upload and Append as a tool: File Source Text, the file and the record from $fromAI', () => {
	const emulator = useEmulator();
	const credentials = () => apiKeyCredential(emulator());
	// Non-ASCII on purpose: both must store the UTF-8 bytes.
	const note = { fileName: 'call-summary.md', content: '# Call – 12 März\n\nThe customer wants 5 € off. Next: send the offer.\n' };

	/** Two records alike, one for the regular node and one for the tool. */
	function twins(entityType: 'Case' | 'Document') {
		const emu = emulator();
		return (['regular', 'tool'] as const).map((who) => {
			if (entityType === 'Case') {
				const kept = ['a.txt', 'b.txt'].map((name) =>
					emu.state.createAttachment({ name, type: 'text/plain', bytes: Buffer.from(name), field: 'attachments', parentType: 'Case' }).id,
				);
				return { id: emu.state.createRecord('Case', { name: `Case for the ${who}`, attachmentsIds: kept }).id as string, kept };
			}
			const old = emu.state.createAttachment({ name: 'old.txt', type: 'text/plain', bytes: Buffer.from('old'), field: 'file', relatedType: 'Document' }).id;
			return { id: emu.state.createRecord('Document', { name: `Document for the ${who}`, publishDate: '2026-03-01', fileId: old }).id as string, kept: [old] };
		});
	}

	test('Upload and Append to Attachment-Multiple: the tool leaves the Case exactly as the regular node does', async () => {
		const emu = emulator();
		const [regularCase, toolCase] = twins('Case');
		const parameters = { operation: 'uploadToAttachmentMultiple', entityType: 'Case', field: 'attachments', recordMode: 'existing', fileSource: 'text', options: {} };
		const regular = await runNode({
			binaryMode: 'filesystem', credentials: credentials(),
			parameters: { ...parameters, recordId: rl(regularCase.id), fileName: note.fileName, fileContent: note.content, textMimeType: 'text/markdown' },
		});
		expect(regular.error).toBeUndefined();

		const tool = await runAsTool({
			credentials: credentials(),
			parameters: {
				...parameters,
				recordId: { __rl: true, mode: 'id', value: fromAI('caseId', 'The id of the Case that gets the file') },
				fileName: fromAI('fileName', 'The file name with its extension, e.g. notes.md'),
				fileContent: fromAI('content', 'The text of the file'),
				textMimeType: fromAI('mimeType', 'The MIME type, e.g. text/markdown'),
			},
			calls: [{ id: 'call_append', args: { caseId: toolCase.id, fileName: note.fileName, content: note.content, mimeType: 'text/markdown' } }],
		});
		expect(tool.status).toBe('success');
		const [answer] = JSON.parse(tool.observations.call_append) as Array<{ id: string; name: string; record: { id: string } }>;
		expect(answer).toMatchObject({ name: note.fileName, record: { id: toolCase.id, entityType: 'Case', field: 'attachments' } });

		const regularId = regular.items[0].json.id as string;
		// The exact id lists: the two files each Case had, then the new one.
		expect(idsOn(emu, 'Case', regularCase.id)).toEqual([...regularCase.kept, regularId]);
		expect(idsOn(emu, 'Case', toolCase.id)).toEqual([...toolCase.kept, answer.id]);
		expect(fileState(emu, answer.id)).toEqual(fileState(emu, regularId));
		expect(fileState(emu, answer.id)).toEqual({
			name: note.fileName, type: 'text/markdown', size: Buffer.byteLength(note.content), role: 'Attachment', field: 'attachments',
			parentType: 'Case', relatedType: null, isBeingUploaded: false, sha256: sha256(Buffer.from(note.content, 'utf8')),
		});
	});

	test('Upload and Link to a File field: the tool leaves the Document exactly as the regular node does (the old file replaced)', async () => {
		const emu = emulator();
		const [regularDoc, toolDoc] = twins('Document');
		const parameters = { operation: 'uploadToFileField', entityType: 'Document', field: 'file', recordMode: 'existing', fileSource: 'text', options: {} };
		const regular = await runNode({
			binaryMode: 'filesystem', credentials: credentials(),
			parameters: { ...parameters, recordId: rl(regularDoc.id), fileName: note.fileName, fileContent: note.content },
		});
		expect(regular.error).toBeUndefined();
		const tool = await runAsTool({
			credentials: credentials(),
			parameters: {
				...parameters,
				recordId: { __rl: true, mode: 'id', value: fromAI('documentId', 'The id of the Document') },
				fileName: fromAI('fileName', 'The file name with its extension, e.g. notes.md'),
				fileContent: fromAI('content', 'The text of the file'),
			},
			calls: [{ id: 'call_link', args: { documentId: toolDoc.id, fileName: note.fileName, content: note.content } }],
		});
		const [answer] = JSON.parse(tool.observations.call_link) as Array<{ id: string }>;
		const regularId = regular.items[0].json.id as string;
		expect(emu.state.record('Document', regularDoc.id)).toMatchObject({ fileId: regularId });
		expect(emu.state.record('Document', toolDoc.id)).toMatchObject({ fileId: answer.id });
		expect(fileState(emu, answer.id)).toEqual(fileState(emu, regularId));
		expect(fileState(emu, answer.id)).toMatchObject({ name: note.fileName, type: 'text/plain', relatedType: 'Document', field: 'file', sha256: sha256(Buffer.from(note.content, 'utf8')) });
		// EspoCRM deleted the file each Document had (observed §5.07), for both alike.
		expect([regularDoc, toolDoc].map(({ kept }) => emu.state.attachment(kept[0])?.deleted)).toEqual([true, true]);
	});

	test('Download the appended file as a tool: the agent reads the same file list as the regular node', async () => {
		const [, toolCase] = twins('Case');
		const parameters = { operation: 'downloadFromRecord', entityType: 'Case', field: 'attachments', outputBinaryField: 'data', options: {} };
		const regular = await runNode({ binaryMode: 'filesystem', credentials: credentials(), parameters: { ...parameters, recordId: rl(toolCase.id) } });
		const tool = await runAsTool({
			credentials: credentials(),
			parameters: { ...parameters, recordId: { __rl: true, mode: 'id', value: fromAI('caseId', 'The id of the Case') } },
			calls: [{ id: 'call_dl', args: { caseId: toolCase.id } }],
		});
		const observed = JSON.parse(tool.observations.call_dl) as Array<{ id: string; name: string }>;
		expect(observed.map(({ id, name }) => [id, name])).toEqual(regular.items.map(({ json }) => [json.id, json.name]));
		expect(observed.map(({ id }) => id)).toEqual(toolCase.kept);
	});

	test.each([
		[
			'a field that is not Attachment-Multiple',
			{ entityType: 'Case', field: 'description' },
			(caseId: string) => ({ caseId }),
			{
				error: "The field 'description' of Case is a text field, but this operation needs an Attachment-Multiple field [item 0]",
				details: 'Fields of Case this operation can use: attachments (Attachment-Multiple).',
			},
		],
		[
			'a record that does not exist',
			{ entityType: 'Case', field: 'attachments' },
			() => ({ caseId: 'doesnotexist00001' }),
			{
				error: 'EspoCRM could not find Case doesnotexist00001 (404): Record doesnotexist00001 does not exist. [item 0]',
				// The upload came first; it is deleted again, and the agent is told so.
				details: expect.stringMatching(
					/^Check the ID and the entity type\. The record or attachment may have been deleted, or the API user cannot see it\. The uploaded attachment [0-9a-f]{17} was deleted, so nothing is left behind\.$/,
				) as string,
			},
		],
		[
			'content that is not base64',
			{ entityType: 'Case', field: 'attachments', fileSource: 'base64', fileContentBase64: fromAI('content', 'The file, base64-encoded') },
			(caseId: string) => ({ caseId, content: 'this is not base64!' }),
			{
				error: '"Base64 Content" of \'note.txt\' is not valid base64 (the character "!" at position 16 is not base64) [item 0]',
				details:
					'Give the file\'s bytes base64-encoded (A–Z, a–z, 0–9, + and /, padded with =), e.g. from a Code node: Buffer.from(bytes).toString(\'base64\'). To upload text as it is, set "File Source" to Text. Nothing was uploaded.',
			},
		],
	])('%s: the agent reads what failed and why, the Case keeps its files, no attachment is left behind', async (_, overrides, argsFor, expected) => {
		const emu = emulator();
		const [target] = twins('Case');
		const before = attachmentIds(emu);
		const tool = await runAsTool({
			credentials: credentials(),
			parameters: {
				operation: 'uploadToAttachmentMultiple', recordMode: 'existing', fileSource: 'text', options: {},
				recordId: { __rl: true, mode: 'id', value: fromAI('caseId', 'The id of the Case') },
				fileName: 'note.txt', fileContent: fromAI('content', 'The text of the file'),
				...overrides,
			},
			calls: [{ id: 'call_bad', args: { content: 'hello', ...argsFor(target.id) } }],
		});
		expect(tool.status).toBe('success');
		const observed = JSON.parse(tool.observations.call_bad) as Array<{ error: string; details: string }>;
		expect(observed).toHaveLength(1);
		expect(observed[0]).toEqual(expected);
		expect(tool.observations.call_bad).not.toContain(emu.users.apiUser.apiKey);
		expect(idsOn(emu, 'Case', target.id)).toEqual(target.kept);
		expect(orphans(emu, before)).toEqual([]);
	});
});
