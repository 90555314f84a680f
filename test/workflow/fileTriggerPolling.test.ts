// EspoCRM File Polling Trigger through n8n-core's PollContext: a baseline at activation, then exactly the
// files that arrived since, however they arrived (record save or relationship endpoint), each once.
import { shutdownHarness } from '../harness';
import { POLL_TRIGGER_TYPE, TriggerHarness } from '../harness/trigger';
import { startEmulator, type Emulator } from '../emulator';
import { apiKeyCredential, sha256 } from './nodeFixtures';
import { emitted, espoAs, type Espo } from './triggerSupport';

afterAll(async () => {
	await shutdownHarness();
});

describe.each(['8.4', '9.3'] as const)('EspoCRM File Polling Trigger, EspoCRM %s', (profile) => {
	let emulator: Emulator;
	let espo: Espo;
	let trigger: TriggerHarness;

	beforeAll(async () => {
		emulator = await startEmulator({ profile });
		espo = espoAs(emulator);
		trigger = new TriggerHarness({
			nodeType: POLL_TRIGGER_TYPE,
			parameters: { entityType: 'Case', fields: [], events: ['created', 'replaced', 'added'], downloadFiles: true },
			credentials: apiKeyCredential(emulator),
		});
	});

	afterAll(async () => {
		await emulator.close();
	});

	async function poll(): Promise<string[]> {
		const execution = await trigger.poll();
		return execution ? emitted([execution]) : [];
	}

	it('the first poll (activation) takes what is there as the baseline: no execution', async () => {
		expect(await trigger.poll()).toBeNull();
		expect(await trigger.poll()).toBeNull();
	});

	it('a file linked through the relationship endpoint (no webhook, no modifiedAt change) comes on the next poll, once', async () => {
		const caseId = emulator.seed!.caseId;
		const c1 = await espo.upload('linked.txt', 'linked by relationship', { parentType: 'Case', field: 'attachments' });
		expect((await espo.request('POST', `Case/${caseId}/attachments`, { id: c1 })).body).toBe(true);
		expect(await poll()).toEqual([`added ${caseId} attachments linked.txt linked by relationship`]);
		const item = trigger.executions.at(-1)!.items[0];
		expect(item.json).toMatchObject({ entityType: 'Case', record: { id: caseId, name: 'Demo Case' }, attachment: { id: c1, name: 'linked.txt', type: 'text/plain' } });
		expect(item.binary?.data).toMatchObject({ fileName: 'linked.txt', mimeType: 'text/plain' });
		expect(sha256(item.binary!.data.bytes)).toBe(emulator.state.sha256(c1));
		expect(await trigger.poll()).toBeNull();
	});

	it('a record created with files and a record save adding one: one item per file, none twice', async () => {
		const a = await espo.upload('a.txt', 'file a', { parentType: 'Case', field: 'attachments' });
		const b = await espo.upload('b.txt', 'file b', { parentType: 'Case', field: 'attachments' });
		const created = await espo.request<{ id: string }>('POST', 'Case', { name: 'Polled case', attachmentsIds: [a, b] });
		const caseId = emulator.seed!.caseId;
		const c = await espo.upload('c.txt', 'file c', { parentType: 'Case', field: 'attachments' });
		const ids = (emulator.state.record('Case', caseId)!.attachmentsIds as string[]).concat(c);
		await espo.request('PUT', `Case/${caseId}`, { attachmentsIds: ids });
		expect((await poll()).sort()).toEqual(
			[`created ${created.body.id} attachments a.txt file a`, `created ${created.body.id} attachments b.txt file b`, `added ${caseId} attachments c.txt file c`].sort(),
		);
		expect(await trigger.poll()).toBeNull();
	});

	it('a file removed and the record saved: nothing; a new record without files, then a file: added, not created', async () => {
		const caseId = emulator.seed!.caseId;
		const ids = emulator.state.record('Case', caseId)!.attachmentsIds as string[];
		await espo.request('PUT', `Case/${caseId}`, { attachmentsIds: ids.slice(1) });
		const empty = await espo.request<{ id: string }>('POST', 'Case', { name: 'Empty case' });
		expect(await trigger.poll()).toBeNull();
		const d = await espo.upload('d.txt', 'file d', { parentType: 'Case', field: 'attachments' });
		await espo.request('POST', `Case/${empty.body.id}/attachments`, { id: d });
		expect(await poll()).toEqual([`added ${empty.body.id} attachments d.txt file d`]);
	});

	it('a download that fails fails the poll; the next poll emits the file (nothing lost), then never again', async () => {
		const caseId = emulator.seed!.caseId;
		const e = await espo.upload('e.txt', 'file e', { parentType: 'Case', field: 'attachments' });
		await espo.request('POST', `Case/${caseId}/attachments`, { id: e });
		emulator.faults.add({ method: 'GET', path: `/Attachment/file/${e}`, action: { status: 500 } });
		await expect(trigger.poll()).rejects.toThrow();
		expect(await poll()).toEqual([`added ${caseId} attachments e.txt file e`]);
		expect(await trigger.poll()).toBeNull();
	});

	it('after a restart (static data from the database, a new in-memory workflow) nothing comes twice', async () => {
		trigger.stopPolling();
		expect(await trigger.poll()).toBeNull();
	});

	it('"Fetch Test Event" (manual) shows the newest file and remembers nothing', async () => {
		const before = JSON.stringify(trigger.nodeStaticData);
		const execution = await trigger.poll('manual');
		expect(execution?.items).toHaveLength(1);
		expect(JSON.stringify(trigger.nodeStaticData)).toBe(before);
	});
});

describe('EspoCRM File Polling Trigger on Document.file, Download Files off', () => {
	let emulator: Emulator;
	let espo: Espo;
	let trigger: TriggerHarness;

	beforeAll(async () => {
		emulator = await startEmulator({ profile: '8.4' });
		espo = espoAs(emulator);
		trigger = new TriggerHarness({
			nodeType: POLL_TRIGGER_TYPE,
			parameters: { entityType: 'Document', fields: ['file'], events: ['replaced'], downloadFiles: false },
			credentials: apiKeyCredential(emulator),
		});
		expect(await trigger.poll()).toBeNull();
	});

	afterAll(async () => {
		await emulator.close();
	});

	it('only "File Replaced" is asked for: a new Document is not emitted, its replaced file is, without binary', async () => {
		const a1 = await espo.upload('one.txt', 'one', { relatedType: 'Document', field: 'file' });
		const doc = await espo.request<{ id: string }>('POST', 'Document', { name: 'Polled doc', publishDate: '2024-01-02', fileId: a1 });
		expect(await trigger.poll()).toBeNull();
		const a2 = await espo.upload('two.txt', 'two', { relatedType: 'Document', field: 'file' });
		await espo.request('PUT', `Document/${doc.body.id}`, { fileId: a2 });
		const execution = await trigger.poll();
		expect(emitted([execution!])).toEqual([`replaced ${doc.body.id} file two.txt <no binary>`]);
		expect(execution!.items[0].json).toEqual({
			event: 'replaced',
			entityType: 'Document',
			record: { id: doc.body.id, name: 'Polled doc' },
			field: 'file',
			fieldType: 'file',
			attachment: { id: a2, name: 'two.txt', type: 'text/plain', size: 3, createdAt: expect.any(String), createdById: emulator.users.apiUser.id },
		});
	});

	it('an unknown field is an error that lists the fields it can watch', async () => {
		const bad = new TriggerHarness({
			nodeType: POLL_TRIGGER_TYPE,
			parameters: { entityType: 'Document', fields: ['photo'], events: ['created'], downloadFiles: true },
			credentials: apiKeyCredential(emulator),
		});
		await expect(bad.poll()).rejects.toMatchObject({
			message: "Document has no File, Image or Attachment-Multiple field 'photo'",
			description: 'Fields of Document the trigger can watch: file (File).',
		});
	});
});
