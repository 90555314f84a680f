// The node as an AI Agent's tool (EspoCRM Attachment Tool), run through n8n's own tool path:
// the engine request n8n 2.x's AI Agent sends, the tool node's parameters filled by $fromAI() from
// the arguments a model would give (given here directly, no model), and the observation the agent
// hands back to the model (see test/harness/tool.ts). EspoCRM's state is compared with what the
// regular node does with the same values.
import { runNode, shutdownHarness } from '../harness';
import { runAsTool } from '../harness/tool';
import { apiKeyCredential, rl, useEmulator } from './nodeFixtures';

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
				error: 'EspoCRM could not find it (404): Record doesnotexist00001 does not exist. [item 0]',
				details: 'Check the ID and the entity type. The record or attachment may have been deleted, or the API user cannot see it.',
			},
		]);
		expect(tool.observations.call_bad).not.toContain(emulator().users.apiUser.apiKey);
		expect(tool.status).toBe('success');
	});

	test('Upload as a tool: a tool call carries no binary, so the agent reads which input is missing and nothing is stored', async () => {
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
