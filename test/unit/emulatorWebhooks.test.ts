// The emulator's webhooks answer and deliver as real 8.4.2 / 9.3.10 did (observed §10), checked with a
// plain receiver (no n8n): the reference cases the trigger relies on.
import { createHmac } from 'crypto';
import http from 'http';
import type { AddressInfo } from 'net';

import { startEmulator, type Emulator } from '../emulator';
import { espoAs, type Espo } from '../workflow/triggerSupport';

interface Received {
	path: string;
	headers: http.IncomingHttpHeaders;
	body: string;
}

/** A receiver like the one of observed §10: answers `status` (200 unless changed), records every POST. */
async function receiver(): Promise<{ url: string; received: Received[]; status: { code: number }; close(): Promise<void> }> {
	const received: Received[] = [];
	const status = { code: 200 };
	const server = http.createServer(async (req, res) => {
		const parts: Buffer[] = [];
		for await (const chunk of req) parts.push(chunk as Buffer);
		received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(parts).toString('utf8') });
		res.statusCode = status.code;
		res.end('ok');
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return {
		url,
		received,
		status,
		close: async () => {
			await new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			});
		},
	};
}

describe.each(['8.4', '9.3'] as const)('emulator webhooks, EspoCRM %s (observed §10)', (profile) => {
	let emulator: Emulator;
	let espo: Espo;
	let target: Awaited<ReturnType<typeof receiver>>;

	beforeAll(async () => {
		emulator = await startEmulator({ profile });
		espo = espoAs(emulator);
		target = await receiver();
		if (profile === '9.3') emulator.webhooks.setAllowedAddresses([new URL(target.url).host]);
	});

	afterAll(async () => {
		await target.close();
		await emulator.close();
	});

	it('10.01: the stock API role may not create webhooks (403 No create access.)', async () => {
		const answer = await espo.request('POST', 'Webhook', { event: 'Document.create', url: `${target.url}/x` });
		expect([answer.status, answer.reason]).toEqual([403, 'No create access.']);
	});

	it('10.03/10.06: with the grant, create answers 201 with a 32-hex secretKey; GET shows it to its API user', async () => {
		emulator.webhooks.grant('apiUser');
		const answer = await espo.request<Record<string, unknown>>('POST', 'Webhook', { event: 'Document.update', url: `${target.url}/Document.update` });
		expect(answer.status).toBe(201);
		expect(Object.keys(answer.body)).toEqual([
			'id', 'deleted', 'event', 'url', 'isActive', 'entityType', 'type', 'field', 'secretKey', 'createdAt', 'modifiedAt', 'createdById', 'createdByName', 'modifiedByName',
			...(profile === '9.3' ? ['skipOwn', 'description'] : []),
		]);
		expect(answer.body).toMatchObject({ event: 'Document.update', entityType: 'Document', type: 'update', field: null, isActive: true, createdByName: 'apiuser' });
		expect(answer.body.secretKey).toMatch(/^[0-9a-f]{32}$/);
		const read = await espo.request<Record<string, unknown>>('GET', `Webhook/${String(answer.body.id)}`);
		expect(read.body.secretKey).toBe(answer.body.secretKey);
		expect(Object.keys(read.body)).toHaveLength(profile === '9.3' ? 17 : 15);
	});

	it('10.04: no Note events (Entity type is not available for Webhooks.)', async () => {
		const answer = await espo.request('POST', 'Webhook', { event: 'Note.create', url: `${target.url}/Note.create` });
		expect([answer.status, answer.reason]).toEqual([403, 'Entity type is not available for Webhooks.']);
	});

	it(`10.05: an internal URL is ${profile === '9.3' ? 'refused (400 notInternal) unless allow-listed' : 'accepted (the check came in 9.3.2)'}`, async () => {
		const answer = await espo.request<unknown>('POST', 'Webhook', { event: 'Case.update', url: 'http://10.0.0.5:5678/x' });
		if (profile === '9.3') {
			expect([answer.status, answer.reason, answer.body]).toEqual([
				400,
				'Field validation failure; entityType: Webhook, field: url, type: notInternal.',
				{ messageTranslation: { label: 'validationFailure', scope: null, data: { field: 'url', type: 'notInternal' } } },
			]);
		} else {
			expect(answer.status).toBe(201);
			await espo.request('DELETE', `Webhook/${(answer.body as { id: string }).id}`);
		}
	});

	it('10.20/10.21: nothing is sent before the job runs; two events of one webhook arrive batched in one POST, signed', async () => {
		const hook = emulator.webhooks.list().find((w) => w.event === 'Document.update')!;
		const doc = emulator.seed!.documentId;
		await espo.request('PUT', `Document/${doc}`, { name: 'Renamed once' });
		await espo.request('PUT', `Document/${doc}`, { name: 'Renamed twice' });
		expect(target.received).toHaveLength(0);
		await emulator.webhooks.runJob();
		expect(target.received).toHaveLength(1);
		const [delivery] = target.received;
		expect(delivery.path).toBe('/Document.update');
		expect(JSON.parse(delivery.body)).toEqual([
			{ name: 'Renamed once', modifiedById: emulator.users.apiUser.id, modifiedByName: 'apiuser', id: doc },
			{ name: 'Renamed twice', id: doc },
		]);
		expect(delivery.headers['user-agent']).toBeUndefined();
		const raw = createHmac('sha256', hook.secretKey).update(delivery.body).digest();
		expect(delivery.headers['x-signature']).toBe(Buffer.concat([Buffer.from(`${hook.id}:`), raw]).toString('base64'));
		if (profile === '9.3') {
			expect(delivery.headers.signature).toBe(Buffer.from(`${hook.id}:${raw.toString('hex')}`).toString('base64'));
		} else {
			expect(delivery.headers.signature).toBeUndefined();
		}
	});

	it('10.22–10.25: a 500 is retried after 10 minutes, after a newer event went out first (out of order)', async () => {
		const doc = emulator.seed!.documentId;
		target.received.length = 0;
		target.status.code = 500;
		await espo.request('PUT', `Document/${doc}`, { name: 'Older name' });
		await emulator.webhooks.runJob();
		expect(emulator.webhooks.queue().filter((i) => i.status === 'Pending').map((i) => i.attempts)).toEqual([1]);
		await emulator.webhooks.runJob();
		expect(target.received).toHaveLength(1);
		target.status.code = 200;
		await espo.request('PUT', `Document/${doc}`, { name: 'Newer name' });
		await emulator.webhooks.runJob();
		expect(JSON.parse(target.received[1].body)).toEqual([{ name: 'Newer name', id: doc }]);
		emulator.webhooks.advanceClock(10 * 60 * 1000 + 1000);
		await emulator.webhooks.runJob();
		expect(JSON.parse(target.received[2].body)).toEqual([expect.objectContaining({ name: 'Older name', id: doc })]);
		expect(target.received).toHaveLength(3);
	});

	it('10.4: a delivery answered 500 four times is Failed, no fifth attempt', async () => {
		const doc = emulator.seed!.documentId;
		target.received.length = 0;
		target.status.code = 500;
		await espo.request('PUT', `Document/${doc}`, { name: 'Never delivered' });
		for (let attempt = 0; attempt < 6; attempt += 1) {
			await emulator.webhooks.runJob();
			emulator.webhooks.advanceClock(11 * 60 * 1000);
		}
		expect(target.received).toHaveLength(4);
		expect(emulator.webhooks.queue().at(-1)).toMatchObject({ status: 'Failed', attempts: 4 });
		target.status.code = 200;
	});

	it('W4/W6/W7: the relationship endpoint raises no event; W5: a save raises update and fieldUpdate with the pre-save types', async () => {
		for (const event of ['Case.update', 'Case.fieldUpdate.attachments']) {
			await espo.request('POST', 'Webhook', { event, url: `${target.url}/${event}` });
		}
		target.received.length = 0;
		const caseId = emulator.seed!.caseId;
		const c1 = await espo.upload('case-one.txt', 'one', { parentType: 'Case', field: 'attachments' });
		await espo.request('POST', `Case/${caseId}/attachments`, { id: c1 });
		await emulator.webhooks.runJob();
		expect(emulator.webhooks.pendingEvents()).toBe(0);
		expect(target.received).toHaveLength(0);
		const before = emulator.state.record('Case', caseId)!.attachmentsIds as string[];
		const c2 = await espo.upload('case-two.txt', 'two', { parentType: 'Case', field: 'attachments' });
		await espo.request('PUT', `Case/${caseId}`, { attachmentsIds: [...before, c2] });
		await emulator.webhooks.runJob();
		const byPath = Object.fromEntries(target.received.map((r) => [r.path, JSON.parse(r.body) as Array<Record<string, unknown>>]));
		expect(Object.keys(byPath[`/Case.fieldUpdate.attachments`][0])).toEqual(['id', 'attachmentsIds', 'attachmentsNames', 'attachmentsTypes']);
		expect(byPath['/Case.fieldUpdate.attachments'][0].attachmentsIds).toEqual([...before, c2]);
		expect(Object.keys(byPath['/Case.fieldUpdate.attachments'][0].attachmentsTypes as object)).toEqual(before);
		expect(byPath['/Case.update'][0]).toMatchObject({ attachmentsIds: [...before, c2], id: caseId });
		expect(byPath['/Case.update'][0].attachmentsTypes).toBeUndefined();
	});

	it('10.26: a 410 answer deletes the webhook', async () => {
		const hook = emulator.webhooks.list().find((w) => w.event === 'Case.update')!;
		target.status.code = 410;
		await espo.request('PUT', `Case/${emulator.seed!.caseId}`, { name: 'Gone' });
		await emulator.webhooks.runJob();
		target.status.code = 200;
		expect(emulator.webhooks.list().map((w) => w.id)).not.toContain(hook.id);
		expect((await espo.request('GET', `Webhook/${hook.id}`)).status).toBe(404);
	});
});
