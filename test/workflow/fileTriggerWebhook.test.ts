// EspoCRM File Trigger (webhook mode) through n8n-core: activation against the emulator's webhooks
// (observed §10), EspoCRM's queue job delivering to the harness's n8n URL, executions with the files.
import { shutdownHarness } from '../harness';
import { TriggerHarness, WEBHOOK_TRIGGER_TYPE } from '../harness/trigger';
import { startEmulator, type Emulator } from '../emulator';
import { apiKeyCredential, sha256 } from './nodeFixtures';
import { emitted, espoAs, type Espo } from './triggerSupport';

afterAll(async () => {
	await shutdownHarness();
});

const CASE_PARAMETERS = { entityType: 'Case', fields: ['attachments'], events: ['created', 'replaced', 'added'], downloadFiles: true };

describe.each(['8.4', '9.3'] as const)('EspoCRM File Trigger, webhook mode, EspoCRM %s', (profile) => {
	let emulator: Emulator;
	let espo: Espo;
	let trigger: TriggerHarness;

	beforeAll(async () => {
		emulator = await startEmulator({ profile });
		espo = espoAs(emulator);
		trigger = new TriggerHarness({ nodeType: WEBHOOK_TRIGGER_TYPE, parameters: CASE_PARAMETERS, credentials: apiKeyCredential(emulator) });
		await trigger.listen();
	});

	afterAll(async () => {
		await trigger.close();
		await emulator.close();
	});

	/** Runs EspoCRM's job once and returns what the executions it started emitted. */
	async function deliver(): Promise<string[]> {
		const before = trigger.executions.length;
		await emulator.webhooks.runJob();
		await trigger.settled();
		return emitted(trigger.executions.slice(before));
	}

	it('activation without the Webhook scope fails with what the admin must do, and leaves no webhook (observed §10.01)', async () => {
		await expect(trigger.activate()).rejects.toMatchObject({
			message: 'EspoCRM does not let this user create webhooks (403)',
			description: expect.stringContaining("Administration → Roles → the API user's role and set 'Webhooks' to enabled"),
		});
		emulator.webhooks.grant('apiUser');
		expect(emulator.webhooks.list()).toEqual([]);
	});

	if (profile === '9.3') {
		it('9.3.2+: an internal n8n URL is refused; the error names the host:port for webhookAllowedAddressList (observed §10.05)', async () => {
			const hostPort = new URL(trigger.webhookUrl).host;
			await expect(trigger.activate()).rejects.toMatchObject({
				message: `EspoCRM refuses to send webhooks to ${hostPort}: it is an internal address`,
				description: expect.stringContaining(`add '${hostPort}' to 'webhookAllowedAddressList'`),
			});
			expect(emulator.webhooks.list()).toEqual([]);
			emulator.webhooks.setAllowedAddresses([hostPort]);
		});
	}

	it('activation registers one webhook per needed event, pointing at the node URL, secrets in static data', async () => {
		await trigger.activate();
		const hooks = emulator.webhooks.list();
		expect(hooks.map((h) => h.event).sort()).toEqual(['Case.create', 'Case.fieldUpdate.attachments', 'Case.update']);
		expect(new Set(hooks.map((h) => h.url))).toEqual(new Set([trigger.webhookUrl]));
		const stored = trigger.nodeStaticData.webhooks as Array<{ id: string; secretKey: string }> | undefined;
		expect(stored?.map((w) => w.id).sort()).toEqual(hooks.map((h) => h.id).sort());
		expect(stored?.map((w) => w.secretKey).sort()).toEqual(hooks.map((h) => h.secretKey).sort());
		// Activating again (n8n restart) adopts them instead of creating more.
		await trigger.activate();
		expect(emulator.webhooks.list().map((h) => h.id).sort()).toEqual(hooks.map((h) => h.id).sort());
	});

	let caseId: string;
	let c4: string;

	it('a Case created with a file (record save): one item, the file as binary with its bytes (observed §10.2 W11)', async () => {
		c4 = await espo.upload('case-four.txt', 'four', { parentType: 'Case', field: 'attachments' });
		const created = await espo.request<{ id: string }>('POST', 'Case', { name: 'WH case', attachmentsIds: [c4] });
		caseId = created.body.id;
		expect(await deliver()).toEqual([`created ${caseId} attachments case-four.txt four`]);
		const item = trigger.executions.at(-1)!.items[0];
		expect(item.json).toMatchObject({ entityType: 'Case', record: { id: caseId, name: 'WH case' }, field: 'attachments', fieldType: 'attachmentMultiple' });
		expect(item.binary?.data).toMatchObject({ fileName: 'case-four.txt', mimeType: 'text/plain' });
		expect(sha256(item.binary!.data.bytes)).toBe(emulator.state.sha256(c4));
	});

	it('a link through the relationship endpoint raises no event: nothing is delivered (observed §10.2 W4)', async () => {
		const c1 = await espo.upload('case-one.txt', 'one', { parentType: 'Case', field: 'attachments' });
		expect((await espo.request('POST', `Case/${caseId}/attachments`, { id: c1 })).body).toBe(true);
		const deliveries = emulator.webhooks.deliveries().length;
		expect(await deliver()).toEqual([]);
		expect(emulator.webhooks.deliveries().length).toBe(deliveries);
	});

	it('the next save of the record finds the unannounced link too: each new file once (W5)', async () => {
		const c2 = await espo.upload('case-two.txt', 'two', { parentType: 'Case', field: 'attachments' });
		const ids = (emulator.state.record('Case', caseId)!.attachmentsIds as string[]).concat(c2);
		expect((await espo.request('PUT', `Case/${caseId}`, { attachmentsIds: ids })).status).toBe(200);
		expect((await deliver()).sort()).toEqual([
			`added ${caseId} attachments case-one.txt one`,
			`added ${caseId} attachments case-two.txt two`,
		]);
	});

	it('3 files known + 1 new in the payload: exactly 1 item', async () => {
		const c5 = await espo.upload('case-five.txt', 'five', { parentType: 'Case', field: 'attachments' });
		const ids = (emulator.state.record('Case', caseId)!.attachmentsIds as string[]).concat(c5);
		expect(ids).toHaveLength(4);
		await espo.request('PUT', `Case/${caseId}`, { attachmentsIds: ids });
		expect(await deliver()).toEqual([`added ${caseId} attachments case-five.txt five`]);
	});

	it('a redelivered batch (the same signed request again) answers 200 and starts no execution', async () => {
		const last = emulator.webhooks.deliveries().filter((d) => d.status === 200 && d.body.includes('attachmentsIds')).at(-1)!;
		const executions = trigger.executions.length;
		const answer = await fetch(last.url, { method: 'POST', headers: last.headers, body: last.body });
		expect(answer.status).toBe(200);
		await trigger.settled();
		expect(trigger.executions.length).toBe(executions);
	});

	it('a wrong signature answers 401 and starts no execution; static data is unchanged', async () => {
		const last = emulator.webhooks.deliveries().filter((d) => d.status === 200).at(-1)!;
		const before = JSON.stringify(trigger.staticData);
		const executions = trigger.executions.length;
		const forged = last.body.replace('"id"', '"id" ').replace('}]', ',"x":1}]');
		const forgedAnswer = await fetch(last.url, { method: 'POST', headers: { ...last.headers, 'Content-Length': String(Buffer.byteLength(forged)) }, body: forged });
		expect(forgedAnswer.status).toBe(401);
		const unsigned = await fetch(last.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: last.body });
		expect(unsigned.status).toBe(401);
		await trigger.settled();
		expect(trigger.executions.length).toBe(executions);
		expect(JSON.stringify(trigger.staticData)).toBe(before);
	});

	it(`${profile === '8.4' ? 'only X-Signature (raw digest)' : 'Signature (hex) and X-Signature'} is sent, and verified (observed §10.3)`, async () => {
		const last = emulator.webhooks.deliveries().at(-1)!;
		expect('Signature' in last.headers).toBe(profile !== '8.4');
		expect(last.headers['X-Signature']).toHaveLength(68);
		if (profile !== '8.4') expect(last.headers.Signature).toHaveLength(112);
	});

	it('a download that fails answers 500; EspoCRM retries 10 minutes later and the file comes once (observed §10.4)', async () => {
		const c6 = await espo.upload('case-six.txt', 'six', { parentType: 'Case', field: 'attachments' });
		emulator.faults.add({ method: 'GET', path: new RegExp(`^/Attachment/file/${c6}$`), times: 2, action: { status: 500 } });
		const ids = (emulator.state.record('Case', caseId)!.attachmentsIds as string[]).concat(c6);
		await espo.request('PUT', `Case/${caseId}`, { attachmentsIds: ids });
		expect(await deliver()).toEqual([]);
		expect(trigger.deliveries.filter((d) => d.status === 500)).not.toHaveLength(0);
		expect(await deliver()).toEqual([]); // held until processAt
		emulator.faults.clear();
		emulator.webhooks.advanceClock(11 * 60 * 1000);
		expect(await deliver()).toEqual([`added ${caseId} attachments case-six.txt six`]);
		emulator.webhooks.advanceClock(11 * 60 * 1000);
		expect(await deliver()).toEqual([]);
	});

	it('deactivation deletes the webhooks in EspoCRM', async () => {
		await trigger.deactivate();
		expect(emulator.webhooks.list()).toEqual([]);
	});
});

describe('EspoCRM File Trigger on a File field (Document.file)', () => {
	let emulator: Emulator;
	let espo: Espo;
	let trigger: TriggerHarness;

	beforeAll(async () => {
		emulator = await startEmulator({ profile: '8.4' });
		emulator.webhooks.grant('apiUser');
		espo = espoAs(emulator);
		trigger = new TriggerHarness({
			nodeType: WEBHOOK_TRIGGER_TYPE,
			parameters: { entityType: 'Document', fields: [], events: ['created', 'replaced'], downloadFiles: true },
			credentials: apiKeyCredential(emulator),
		});
		await trigger.listen();
		await trigger.activate();
	});

	afterAll(async () => {
		await trigger.deactivate();
		await trigger.close();
		await emulator.close();
	});

	it('subscribes to create and fieldUpdate.file only', () => {
		expect(emulator.webhooks.list().map((h) => h.event).sort()).toEqual(['Document.create', 'Document.fieldUpdate.file']);
	});

	it('a new Document, then its file replaced: created, then replaced, each once (observed §10.2 W1, W2)', async () => {
		const a1 = await espo.upload('doc-one.txt', 'doc one', { relatedType: 'Document', field: 'file' });
		const doc = await espo.request<{ id: string }>('POST', 'Document', { name: 'Contract', publishDate: '2024-01-02', fileId: a1 });
		const a2 = await espo.upload('doc-two.txt', 'doc two', { relatedType: 'Document', field: 'file' });
		await espo.request('PUT', `Document/${doc.body.id}`, { fileId: a2 });
		await espo.request('PUT', `Document/${doc.body.id}`, { name: 'Contract (signed)' });
		await emulator.webhooks.runJob();
		await trigger.settled();
		// A1 was deleted by the replacement (observed §5.07) before the job ran: it is gone, not an error.
		expect(emitted(trigger.executions)).toEqual([`replaced ${doc.body.id} file doc-two.txt doc two`]);
		const a3 = await espo.upload('doc-three.txt', 'doc three', { relatedType: 'Document', field: 'file' });
		const doc2 = await espo.request<{ id: string }>('POST', 'Document', { name: 'NDA', publishDate: '2024-01-02', fileId: a3 });
		await emulator.webhooks.runJob();
		await trigger.settled();
		expect(emitted(trigger.executions).slice(1)).toEqual([`created ${doc2.body.id} file doc-three.txt doc three`]);
		const item = trigger.executions.at(-1)!.items[0];
		expect(item.json).toMatchObject({ record: { id: doc2.body.id, name: 'NDA' }, fieldType: 'file', attachment: { id: a3, name: 'doc-three.txt', size: 9 } });
	});
});

describe('EspoCRM File Trigger without re-reading records: the payload alone tells what is new', () => {
	let emulator: Emulator;
	let espo: Espo;
	let trigger: TriggerHarness;

	beforeAll(async () => {
		emulator = await startEmulator({ profile: '9.3' });
		emulator.webhooks.grant('apiUser');
		espo = espoAs(emulator);
		trigger = new TriggerHarness({
			nodeType: WEBHOOK_TRIGGER_TYPE,
			parameters: { ...CASE_PARAMETERS, events: ['added'], options: { lookForUnannouncedLinks: false } },
			credentials: apiKeyCredential(emulator),
		});
		await trigger.listen();
		emulator.webhooks.setAllowedAddresses([new URL(trigger.webhookUrl).host]);
		await trigger.activate();
	});

	afterAll(async () => {
		await trigger.deactivate();
		await trigger.close();
		await emulator.close();
	});

	it('subscribes to fieldUpdate.attachments only', () => {
		expect(emulator.webhooks.list().map((h) => h.event)).toEqual(['Case.fieldUpdate.attachments']);
	});

	it('a record the trigger never saw, 3 files linked before + 1 new: exactly the new one (the payload types are the pre-save links, observed §10.6 #9)', async () => {
		const caseId = emulator.seed!.caseId;
		for (const name of ['two.txt', 'three.txt']) {
			const id = await espo.upload(name, name, { parentType: 'Case', field: 'attachments' });
			await espo.request('POST', `Case/${caseId}/attachments`, { id });
		}
		const before = emulator.state.record('Case', caseId)!.attachmentsIds as string[];
		expect(before).toHaveLength(3);
		const added = await espo.upload('four.txt', 'the new one', { parentType: 'Case', field: 'attachments' });
		await espo.request('PUT', `Case/${caseId}`, { attachmentsIds: [...before, added] });
		await emulator.webhooks.runJob();
		await trigger.settled();
		expect(emitted(trigger.executions)).toEqual([`added ${caseId} attachments four.txt the new one`]);
		expect(trigger.executions[0].items[0].json).toMatchObject({ record: { id: caseId, name: 'Demo Case' } });
	});
});
