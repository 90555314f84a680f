// examples/new-document-copy-to-case.json end to end in-process: its trigger node (as imported) is
// activated against the emulator, EspoCRM's job delivers a new Document, and the items the execution
// started with run through the rest of the example: the archive Case gets the same bytes.
import { readFileSync } from 'fs';
import { join } from 'path';

import { shutdownHarness } from '../harness';
import { TriggerHarness, WEBHOOK_TRIGGER_TYPE } from '../harness/trigger';
import { runWorkflow, type WorkflowFile } from '../harness/workflow';
import { startEmulator, type Emulator } from '../emulator';
import { apiKeyCredential, idsOn, sha256 } from './nodeFixtures';
import { espoAs } from './triggerSupport';

const example = JSON.parse(readFileSync(join(__dirname, '../../examples/new-document-copy-to-case.json'), 'utf8')) as WorkflowFile;

let emulator: Emulator;

beforeAll(async () => {
	emulator = await startEmulator({ profile: '9.3' });
	emulator.webhooks.grant('apiUser');
});

afterAll(async () => {
	await emulator.close();
	await shutdownHarness();
});

it('a new Document: the trigger emits its file, the example appends the same bytes to the archive Case', async () => {
	const triggerNode = example.nodes.find((n) => n.type === WEBHOOK_TRIGGER_TYPE)!;
	const trigger = new TriggerHarness({ nodeType: WEBHOOK_TRIGGER_TYPE, parameters: triggerNode.parameters, credentials: apiKeyCredential(emulator) });
	await trigger.listen();
	emulator.webhooks.setAllowedAddresses([new URL(trigger.webhookUrl).host]);
	await trigger.activate();
	try {
		const espo = espoAs(emulator);
		const fileId = await espo.upload('contract.txt', 'signed contract\n', { relatedType: 'Document', field: 'file' });
		await espo.request('POST', 'Document', { name: 'ACME contract', publishDate: '2026-11-29', fileId });
		await emulator.webhooks.runJob();
		await trigger.settled();
		expect(trigger.executions).toHaveLength(1);
		const [item] = trigger.executions[0].items;

		const archiveCaseId = emulator.seed!.caseId;
		const before = idsOn(emulator, 'Case', archiveCaseId);
		const workflow = JSON.parse(JSON.stringify(example).replace('REPLACE-WITH-ARCHIVE-CASE-ID', archiveCaseId)) as WorkflowFile;
		const run = await runWorkflow(workflow, {
			credentials: apiKeyCredential(emulator),
			triggerItems: [{ json: item.json, binary: { data: { data: item.binary!.data.bytes, fileName: item.binary!.data.fileName, mimeType: item.binary!.data.mimeType } } }],
		});
		expect(run.error).toBeUndefined();
		const after = idsOn(emulator, 'Case', archiveCaseId);
		const added = after.filter((id) => !before.includes(id));
		expect(after.slice(0, before.length)).toEqual(before);
		expect(added).toHaveLength(1);
		expect(emulator.state.attachment(added[0])).toMatchObject({ name: 'ACME contract – contract.txt', type: 'text/plain' });
		expect(emulator.state.sha256(added[0])).toBe(sha256(Buffer.from('signed contract\n')));
	} finally {
		await trigger.deactivate();
		await trigger.close();
	}
	expect(emulator.webhooks.list()).toEqual([]);
});
