// The triggers with other users and bigger data sets: a password login (once per poll or hook, given
// back), a regular user refused webhooks, an entity type without webhook events, more than one page.
import { shutdownHarness } from '../harness';
import { POLL_TRIGGER_TYPE, TriggerHarness, WEBHOOK_TRIGGER_TYPE } from '../harness/trigger';
import { startEmulator, type Emulator } from '../emulator';
import { apiKeyCredential } from './nodeFixtures';
import { emitted, espoAs } from './triggerSupport';

let emulator: Emulator;

beforeAll(async () => {
	emulator = await startEmulator({ profile: '8.4' });
});

afterAll(async () => {
	await emulator.close();
	await shutdownHarness();
});

it('Username & Password: one login per poll, its token given back; a regular user is told webhooks need an API user', async () => {
	const { userName, password } = emulator.users.regularUser;
	const credentials = { baseUrl: emulator.url, authMethod: 'password' as const, username: userName, password };
	const poller = new TriggerHarness({ nodeType: POLL_TRIGGER_TYPE, parameters: { entityType: 'Case', fields: [], events: ['added'], downloadFiles: true }, credentials });
	emulator.clearLog();
	expect(await poller.poll()).toBeNull();
	const logins = emulator.log.filter((entry) => entry.reqHeaders['espo-authorization'] && entry.reqHeaders['espo-authorization-by-token'] !== 'true');
	expect(logins.map((entry) => `${entry.method} ${entry.path}`)).toEqual(['GET /App/user']);
	expect(emulator.activeAuthTokens()).toBe(0);

	const webhooks = new TriggerHarness({ nodeType: WEBHOOK_TRIGGER_TYPE, parameters: { entityType: 'Case', fields: [], events: ['added'], downloadFiles: true }, credentials });
	await expect(webhooks.activate()).rejects.toMatchObject({
		message: 'EspoCRM does not let this user create webhooks (403)',
		description: expect.stringContaining('EspoCRM lets only API users and admins use webhooks; this credential logs in as a regular user.'),
	});
	expect(emulator.activeAuthTokens()).toBe(0);
});

it('an entity type without webhook events (Note) is refused at activation with the way out (observed §10.04)', async () => {
	emulator.webhooks.grant('apiUser');
	const trigger = new TriggerHarness({
		nodeType: WEBHOOK_TRIGGER_TYPE,
		parameters: { entityType: 'Note', fields: ['attachments'], events: ['created'], downloadFiles: true },
		credentials: apiKeyCredential(emulator),
	});
	await expect(trigger.activate()).rejects.toMatchObject({
		message: 'EspoCRM has no webhook events for Note',
		description: expect.stringContaining('Or use the EspoCRM File Polling Trigger node'),
	});
	expect(emulator.webhooks.list()).toEqual([]);
});

it('polling more than one page (450 Cases): a file linked to the first and one to the last record, each once', async () => {
	const espo = espoAs(emulator);
	const ids: string[] = [];
	for (let i = 0; i < 450; i += 1) ids.push(String(emulator.state.createRecord('Case', { name: `Bulk ${i}` }, 'apiUser').id));
	const trigger = new TriggerHarness({
		nodeType: POLL_TRIGGER_TYPE,
		parameters: { entityType: 'Case', fields: ['attachments'], events: ['created', 'added'], downloadFiles: true },
		credentials: apiKeyCredential(emulator),
	});
	expect(await trigger.poll()).toBeNull();
	const [first, last] = [ids[0], ids[449]];
	for (const [record, name] of [[first, 'first.txt'], [last, 'last.txt']]) {
		const id = await espo.upload(name, name, { parentType: 'Case', field: 'attachments' });
		await espo.request('POST', `Case/${record}/attachments`, { id });
	}
	const execution = await trigger.poll();
	expect(emitted([execution!]).sort()).toEqual([`added ${first} attachments first.txt first.txt`, `added ${last} attachments last.txt last.txt`].sort());
	expect(await trigger.poll()).toBeNull();
});
