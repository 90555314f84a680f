// The emulator's own switches (issue #3): version profiles, sub-directory installs, TLS, faults,
// latency, the request log, the state reader and the HTTP control surface. Emulator only by nature.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { type Emulator, startEmulator } from '../emulator';
import { compareVersions, defaultProfileName, PROFILE_NAMES, profileFor } from '../emulator/profiles';
import { Api, request } from './support/client';
import { FAILED_LOGIN_BUDGET, LOCKOUT_PERIOD_MS, lockoutMessage, waitBeforeSpending } from './support/lockout';
import { AGAINST_REAL, dataUri, expectFamilyA, expectUnauthorized, lockoutGuard, probeUpload } from './support/target';

const describeEmulator = AGAINST_REAL ? describe.skip : describe;

type Json = Record<string, unknown>;

function apiKeyClient(emulator: Emulator): Api {
	return new Api(emulator.apiUrl, { apiKey: emulator.users.apiUser.apiKey! });
}

function hmacClient(emulator: Emulator, encoding: 'hex' | 'raw'): Api {
	const { hmacUser } = emulator.users;
	return new Api(emulator.apiUrl, { hmac: { key: hmacUser.apiKey!, secret: hmacUser.secretKey!, encoding } });
}

async function withEmulator(options: Parameters<typeof startEmulator>[0], body: (emulator: Emulator) => Promise<void>): Promise<void> {
	const emulator = await startEmulator(options);
	try {
		await body(emulator);
	} finally {
		await emulator.close();
	}
}

describeEmulator('version profiles (api §8)', () => {
	it('observed §9: the profiles report 8.4.2, 9.1.7, 9.3.10 and 10.0.0 in App/about and settings', async () => {
		const versions: Record<string, unknown[]> = {};
		for (const profile of PROFILE_NAMES) {
			await withEmulator({ profile, seed: false }, async (emulator) => {
				const api = apiKeyClient(emulator);
				versions[profile] = [(await api.get('/App/about')).json<Json>().version, (await api.get('/Settings')).json<Json>().version, emulator.profileInfo.basis];
			});
		}
		expect(versions).toEqual({
			'8.4': ['8.4.2', '8.4.2', 'observed'],
			'9.1': ['9.1.7', '9.1.7', 'observed'],
			'9.3': ['9.3.10', '9.3.10', 'observed'],
			'10.0': ['10.0.0', '10.0.0', 'source reading'],
		});
	});

	it('profiles.ts: atLeast compares versions numerically (9.10 > 9.3), missing parts count as 0', () => {
		const profile = profileFor('9.3');
		expect(['9', '9.2', '9.3', '9.3.10', '9.3.11', '9.10', '10.0'].map((v) => profile.atLeast(v))).toEqual([true, true, true, true, false, false, false]);
		expect(compareVersions('9.10.0', '9.3.10')).toBe(1);
		expect(profileFor('10.0').atLeast('9.3.10')).toBe(true);
	});

	it('profiles.ts: ESPOCRM_PROFILE sets the default profile; an unknown name is refused with the known ones', () => {
		expect(defaultProfileName({})).toBe('8.4');
		expect(defaultProfileName({ ESPOCRM_PROFILE: '10.0' })).toBe('10.0');
		expect(() => defaultProfileName({ ESPOCRM_PROFILE: '9.2' })).toThrow("ESPOCRM_PROFILE='9.2' is not a known EspoCRM profile: use one of 8.4, 9.1, 9.3, 10.0.");
	});

	it('api §6.4: profile 9.3 adds OCC to Case, Account, Opportunity and Task (versionNumber, 409 modified)', () =>
		withEmulator({ profile: '9.3' }, async (emulator) => {
			const api = apiKeyClient(emulator);
			const created = (await api.post('/Case', { name: 'OCC case' })).json<Json>();
			expect(created.versionNumber).toBe(1);
			await api.put(`/Case/${created.id}`, { name: 'OCC case b' });
			expectFamilyA(await api.put(`/Case/${created.id}`, { name: 'OCC case c' }, { headers: { 'X-Version-Number': '1' } }), 409, 'modified', {
				values: { name: 'OCC case b' },
				versionNumber: 2,
			});
			const defs = (await api.get('/Metadata?key=entityDefs')).json<Record<string, Json>>();
			expect(Object.keys(defs).filter((e) => defs[e].optimisticConcurrencyControl).sort()).toEqual(['Account', 'CWorkOrder', 'Case', 'KnowledgeBaseArticle', 'Opportunity', 'Task']);
		}));

	it('api §6.4, observed §5.28: the seeded custom CWorkOrder has OCC on and no relationship endpoint (every profile)', async () => {
		for (const profile of PROFILE_NAMES) {
			await withEmulator({ profile }, async (emulator) => {
				const api = apiKeyClient(emulator);
				const id = emulator.seed!.workOrderId;
				expect((await api.get(`/CWorkOrder/${id}`)).json<Json>()).toMatchObject({ name: 'Demo Work Order', versionNumber: 1, attachmentsIds: [] });
				expectFamilyA(await api.post(`/CWorkOrder/${id}/attachments`, { ids: ['x'] }), 404, "Action POST 'createLink' does not exist in controller 'CWorkOrder'.");
				await api.put(`/CWorkOrder/${id}`, { name: 'Work Order b' }, { headers: { 'X-Version-Number': '1' } });
				expectFamilyA(await api.put(`/CWorkOrder/${id}`, { name: 'Work Order c' }, { headers: { 'X-Version-Number': '1' } }), 409, 'modified', {
					values: { name: 'Work Order b' },
					versionNumber: 2,
				});
			});
		}
	});

	it('api §2.3: every profile accepts hex and raw HMAC signatures (10.0: raw deprecated, still accepted)', async () => {
		for (const profile of PROFILE_NAMES) {
			await withEmulator({ profile, seed: false }, async (emulator) => {
				expect((await hmacClient(emulator, 'hex').get('/')).status).toBe(200);
				expect((await hmacClient(emulator, 'raw').get('/')).status).toBe(200);
			});
		}
	});

	it('api §2.3: legacyHmacOnly (a pre-8.4.1 server) accepts only the raw digest; hex is 401', () =>
		withEmulator({ legacyHmacOnly: true, seed: false }, async (emulator) => {
			expect((await hmacClient(emulator, 'raw').get('/App/user')).status).toBe(200);
			expectUnauthorized(await hmacClient(emulator, 'hex').get('/App/user'), false);
		}));

	it('api §4: noChunkEndpoint (a pre-7.2 server): the chunk route is the Slim 404 and the chunk size is absent', () =>
		withEmulator({ noChunkEndpoint: true, seed: false }, async (emulator) => {
			const api = apiKeyClient(emulator);
			const reply = await api.post('/Attachment/chunk/0123456789abcdef0', 'data:text/plain;base64,YQ==');
			expect([reply.status, reply.header('content-type'), reply.body.length]).toEqual([404, 'text/html;charset=UTF-8', 665]);
			expect((await new Api(emulator.apiUrl, null).post('/Attachment/chunk/0123456789abcdef0', 'x')).status).toBe(404);
			const settings = (await api.get('/App/user')).json<{ settings: Json }>().settings;
			expect(settings).not.toHaveProperty('attachmentUploadChunkSize');
			expect(settings.attachmentUploadMaxSize).toBe(256);
		}));

	it('api §7: 9.2+ sends no WWW-Authenticate on a POST without credentials; 8.4 and 9.1 do; a GET gets it on every line', async () => {
		const sent: Record<string, [boolean, boolean]> = {};
		for (const profile of PROFILE_NAMES) {
			await withEmulator({ profile, seed: false }, async (emulator) => {
				const anonymous = new Api(emulator.apiUrl, null);
				const post = await anonymous.post('/Attachment', {});
				const get = await anonymous.get('/App/user');
				sent[profile] = [post.header('www-authenticate') !== undefined, get.header('www-authenticate') !== undefined];
			});
		}
		expect(sent).toEqual({ '8.4': [true, true], '9.1': [true, true], '9.3': [false, true], '10.0': [false, true] });
	});

	it('profiles.ts: each line\'s flags, derived from its version (the README table)', () => {
		const flags = Object.fromEntries(
			PROFILE_NAMES.map((name) => {
				const p = profileFor(name);
				return [name, [p.hmacEncodings.join('+'), p.occEntityTypes.length, p.occAtomic, p.wwwAuthenticateOnPost, p.userTeamsColumns, p.bodySkipDuplicateCheck, p.attachmentModifiedAt, p.recordLocking]];
			}),
		);
		expect(flags).toEqual({
			'8.4': ['raw+hex', 3, true, true, false, true, false, false],
			'9.1': ['hex+raw', 7, false, true, true, false, false, false],
			'9.3': ['hex+raw', 7, false, false, true, false, true, false],
			'10.0': ['hex+raw', 7, false, false, true, false, true, true],
		});
	});
});

describeEmulator('the contract suite and the failed-login lockout (observed §1.b; support/lockout.ts)', () => {
	it('a 403 without X-Status-Reason to a good key fails with the explanation; the later requests are not sent but fail at once', () =>
		withEmulator({ seed: false }, async (emulator) => {
			emulator.setLockout(true);
			const bad = new Api(emulator.apiUrl, { apiKey: 'not-a-key' });
			for (let i = 0; i < 11; i++) expectUnauthorized(await bad.get('/App/user'), false);
			const api = new Api(emulator.apiUrl, { apiKey: emulator.users.apiUser.apiKey! }, lockoutGuard(emulator.apiUrl));
			await expect(api.get('/App/user')).rejects.toThrow(lockoutMessage(emulator.apiUrl));
			const sent = emulator.log.length;
			await expect(api.get('/')).rejects.toThrow(/^Not sent: this run met EspoCRM's failed-login lockout \d+ s ago \(see the first failure/);
			expect(emulator.log.length).toBe(sent);
		}));

	it('the budget: 9 failed logins per 60 s; the 10th waits until the oldest is 61 s old; old ones do not count', () => {
		const now = 1_000_000;
		const nine = Array.from({ length: FAILED_LOGIN_BUDGET }, (_, i) => now - 10_000 + i);
		expect(FAILED_LOGIN_BUDGET).toBe(9);
		expect(waitBeforeSpending(nine.slice(0, 8), now, 1)).toBe(0);
		expect(waitBeforeSpending(nine, now, 1)).toBe(nine[0] + LOCKOUT_PERIOD_MS + 1000 - now);
		expect(waitBeforeSpending(nine, now, 2)).toBe(nine[1] + LOCKOUT_PERIOD_MS + 1000 - now);
		expect(waitBeforeSpending(nine.map((t) => t - LOCKOUT_PERIOD_MS), now, 9)).toBe(0);
	});
});

describeEmulator('installation shape', () => {
	it('api §1: basePath /crm serves the API at /crm/api/v1; HMAC signs the path after /api/v1', () =>
		withEmulator({ basePath: '/crm', seed: false }, async (emulator) => {
			expect(emulator.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/crm\/api\/v1$/);
			const reply = await hmacClient(emulator, 'hex').get('/App/user');
			expect(reply.status).toBe(200);
			expect(reply.json<{ settings: Json }>().settings.siteUrl).toBe(emulator.url);
			const atRoot = await request(emulator.apiUrl.replace('/crm', ''), 'GET', '/App/user', { auth: { apiKey: emulator.users.apiUser.apiKey! } });
			expect(atRoot.status).toBe(404);
		}));

	it('issue #3: the site root answers the web UI page (HTML), not JSON', () =>
		withEmulator({ seed: false }, async (emulator) => {
			const reply = await request(emulator.url, 'GET', '/');
			expect([reply.status, reply.header('content-type')]).toEqual([200, 'text/html; charset=UTF-8']);
		}));

	const openssl = (() => {
		try {
			execFileSync('openssl', ['version'], { stdio: 'ignore' });
			return true;
		} catch {
			return false;
		}
	})();
	(openssl ? it : it.skip)('issue #3: tls serves HTTPS', async () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emulator-tls-'));
		try {
			execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
			await withEmulator({ tls: { key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) }, seed: false }, async (emulator) => {
				expect(emulator.apiUrl.startsWith('https://')).toBe(true);
				expect((await apiKeyClient(emulator).get('/')).text).toBe('"EspoCRM REST API"');
			});
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});

	it('issue #3: close() removes the storage directory it created; a given storageDir is kept', async () => {
		const given = fs.mkdtempSync(path.join(os.tmpdir(), 'emulator-given-'));
		const emulator = await startEmulator({ storageDir: given });
		const id = emulator.seed!.caseAttachmentId;
		expect(fs.existsSync(path.join(given, id))).toBe(true);
		await emulator.close();
		expect(fs.existsSync(path.join(given, id))).toBe(true);
		fs.rmSync(given, { recursive: true, force: true });
	});
});

describeEmulator('seed, state reader and log', () => {
	let emulator: Emulator;
	let api: Api;
	beforeAll(async () => {
		emulator = await startEmulator();
		api = apiKeyClient(emulator);
	});
	afterAll(() => emulator.close());

	it('issue #3: the seed has Demo Case with existing.txt, Demo Document with a file, an Account, a Note, a CInspection, a CWorkOrder', async () => {
		const seed = emulator.seed!;
		const kase = (await api.get(`/Case/${seed.caseId}`)).json<Json>();
		expect(kase).toMatchObject({ name: 'Demo Case', attachmentsIds: [seed.caseAttachmentId], attachmentsNames: { [seed.caseAttachmentId]: 'existing.txt' } });
		expect((await api.get(`/Document/${seed.documentId}`)).json()).toMatchObject({ name: 'Demo Document', fileId: seed.documentFileId });
		for (const [type, id] of [['Account', seed.accountId], ['Note', seed.noteId], ['CInspection', seed.inspectionId], ['CWorkOrder', seed.workOrderId]]) {
			expect((await api.get(`/${type}/${id}`)).status).toBe(200);
		}
		expect((await api.get(`/Attachment/file/${seed.caseAttachmentId}`)).status).toBe(200);
	});

	it('issue #3: state.createRecord / createAttachment / deleteRecord / record / records / bytes / sha256', async () => {
		const { state } = emulator;
		const bytes = Buffer.from('seeded bytes');
		const row = state.createAttachment({ name: 's.txt', type: 'text/plain', bytes, field: 'attachments', parentType: 'Task', createdBy: 'apiUser' });
		const task = state.createRecord('Task', { name: 'Seeded task', attachmentsIds: [row.id] }, 'apiUser');
		expect(state.record('Task', task.id as string)).toMatchObject({ attachmentsIds: [row.id], attachmentsNames: { [row.id]: 's.txt' } });
		expect(state.records('Task').map((r) => r.id)).toContain(task.id);
		expect(state.bytes(row.id).equals(bytes)).toBe(true);
		expect(state.sha256(row.id)).toBe(createHash('sha256').update(bytes).digest('hex'));
		expect(state.attachment(row.id)).toMatchObject({ parentType: 'Task', parentId: task.id, createdById: emulator.users.apiUser.id });
		state.deleteRecord('Task', task.id as string);
		expect((await api.get(`/Task/${task.id}`)).status).toBe(404);
		expect(state.record('Task', task.id as string)).toMatchObject({ deleted: true });
	});

	it('issue #3: state.attachments() includes deleted rows', async () => {
		const id = (await api.post('/Attachment', probeUpload())).json<{ id: string }>().id;
		await api.delete(`/Attachment/${id}`);
		expect(emulator.state.attachments().find((a) => a.id === id)).toMatchObject({ deleted: true });
	});

	it('issue #3: the log records method, path after /api/v1, query, status, request headers, timing', async () => {
		emulator.clearLog();
		await api.get('/Account?maxSize=1');
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect(emulator.log).toHaveLength(1);
		const [entry] = emulator.log;
		expect(entry).toMatchObject({ method: 'GET', path: '/Account', query: 'maxSize=1', status: 200 });
		expect(entry.reqHeaders['x-api-key']).toBe(emulator.users.apiUser.apiKey);
		expect(typeof entry.startedAt).toBe('number');
		expect(entry.durationMs).toBeGreaterThanOrEqual(0);
	});

	it('issue #3: setLatency adds latency to every API request', async () => {
		emulator.setLatency(150);
		try {
			const started = Date.now();
			await api.get('/');
			expect(Date.now() - started).toBeGreaterThanOrEqual(140);
		} finally {
			emulator.setLatency(0);
		}
	});
});

describeEmulator('faults', () => {
	let emulator: Emulator;
	let api: Api;
	beforeAll(async () => {
		emulator = await startEmulator({ seed: false });
		api = apiKeyClient(emulator);
	});
	afterEach(() => emulator.faults.clear());
	afterAll(() => emulator.close());

	it('faults: a status action answers instead of the server, on the n-th matching request, `times` times', async () => {
		emulator.faults.add({ method: 'GET', path: '/App/user', nth: 2, times: 2, action: { status: 502, body: 'bad gateway', contentType: 'text/plain' } });
		const statuses: number[] = [];
		for (let i = 0; i < 4; i += 1) statuses.push((await api.get('/App/user')).status);
		expect(statuses).toEqual([200, 502, 502, 200]);
	});

	it('faults: a RegExp path and Infinity times, with X-Status-Reason', async () => {
		emulator.faults.add({ path: /^\/Attachment\/chunk\//, times: Infinity, action: { status: 500, reason: 'File size mismatch.' } });
		for (let i = 0; i < 3; i += 1) {
			const reply = await api.post('/Attachment/chunk/0123456789abcdef0', 'data:,');
			expect([reply.status, reply.header('x-status-reason')]).toEqual([500, 'File size mismatch.']);
		}
	});

	it('faults: drop before-body destroys the connection without an answer', async () => {
		emulator.faults.add({ path: '/', action: { drop: 'before-body' } });
		await expect(api.get('/')).rejects.toThrow();
		expect((await api.get('/')).status).toBe(200);
	});

	it('faults: drop mid-body on a download sends half the bytes, then the connection breaks', async () => {
		const contents = Buffer.alloc(256 * 1024, 1);
		const id = (await api.post('/Attachment', probeUpload({ name: 'half.txt', size: contents.length, file: dataUri(contents) }))).json<{ id: string }>().id;
		emulator.faults.add({ method: 'GET', path: `/Attachment/file/${id}`, action: { drop: 'mid-body' } });
		await expect(api.get(`/Attachment/file/${id}`)).rejects.toThrow();
	});

	it('faults: drop mid-body on a request with a body reads half of it and nothing is stored', async () => {
		emulator.faults.add({ method: 'POST', path: '/Attachment', action: { drop: 'mid-body' } });
		const before = emulator.state.attachments().length;
		await expect(api.post('/Attachment', probeUpload({ file: dataUri(Buffer.alloc(512 * 1024)) }))).rejects.toThrow();
		expect(emulator.state.attachments()).toHaveLength(before);
	});

	it('faults: drop after-handling appends the chunk, then breaks the connection (the ambiguous failure of api §4.3)', async () => {
		const id = (await api.post('/Attachment', { name: 'a.txt', type: 'text/plain', size: 8, role: 'Attachment', relatedType: 'Document', field: 'file', isBeingUploaded: true })).json<{ id: string }>().id;
		emulator.faults.add({ path: `/Attachment/chunk/${id}`, action: { drop: 'after-handling' } });
		await expect(api.post(`/Attachment/chunk/${id}`, 'data:text/plain;base64,YWJjZA==')).rejects.toThrow();
		expect(emulator.state.fileSize(id)).toBe(4);
		expect((await api.post(`/Attachment/chunk/${id}`, 'data:text/plain;base64,YWJjZA==')).text).toBe('true');
	});

	it('faults: delayMs delays, then the request is handled normally', async () => {
		emulator.faults.add({ path: '/', action: { delayMs: 120 } });
		const started = Date.now();
		expect((await api.get('/')).status).toBe(200);
		expect(Date.now() - started).toBeGreaterThanOrEqual(110);
	});

	it('faults: htmlLogin answers 200 text/html (a base URL that points at the web UI)', async () => {
		emulator.faults.add({ path: '/App/user', action: { htmlLogin: true } });
		const reply = await api.get('/App/user');
		expect([reply.status, reply.header('content-type')]).toEqual([200, 'text/html; charset=UTF-8']);
		expect(reply.text).toContain('<html');
	});

	it('faults: redirect answers the status and Location', async () => {
		emulator.faults.add({ path: '/App/user', action: { redirect: 'https://example.com/login', status: 301 } });
		const reply = await api.get('/App/user');
		expect([reply.status, reply.header('location')]).toEqual([301, 'https://example.com/login']);
	});
});

describeEmulator('HTTP control surface (/__emulator)', () => {
	let emulator: Emulator;
	let api: Api;
	const control = (method: string, route: string, body?: unknown) => request(emulator.url, method, `/__emulator${route}`, { body });
	beforeAll(async () => {
		emulator = await startEmulator();
		api = apiKeyClient(emulator);
	});
	afterAll(() => emulator.close());

	it('control: GET state/attachments and state/attachments/:id (row + sha256)', async () => {
		const id = emulator.seed!.caseAttachmentId;
		const list = (await control('GET', '/state/attachments')).json<Json[]>();
		expect(list.map((a) => a.id)).toContain(id);
		const one = (await control('GET', `/state/attachments/${id}`)).json<Json>();
		expect(one).toMatchObject({ id, name: 'existing.txt', sha256: emulator.state.sha256(id) });
		expect((await control('GET', '/state/attachments/0000000000000000f')).status).toBe(404);
	});

	it('control: GET state/records/:entityType/:id', async () => {
		const reply = await control('GET', `/state/records/Case/${emulator.seed!.caseId}`);
		expect(reply.json()).toMatchObject({ name: 'Demo Case', attachmentsIds: [emulator.seed!.caseAttachmentId] });
	});

	it('control: log?since=N, log/count and reset-log', async () => {
		await control('POST', '/reset-log');
		await api.get('/');
		await api.get('/App/about');
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect((await control('GET', '/log/count')).json()).toEqual({ count: 2 });
		expect((await control('GET', '/log?since=1')).json<Json[]>().map((e) => e.path)).toEqual(['/App/about']);
	});

	it('control: POST latency {ms}', async () => {
		await control('POST', '/latency', { ms: 100 });
		const started = Date.now();
		await api.get('/');
		expect(Date.now() - started).toBeGreaterThanOrEqual(90);
		await control('POST', '/latency', { ms: 0 });
	});

	it('control: POST faults (pathRegex, times "Infinity") and DELETE faults', async () => {
		await control('POST', '/faults', { method: 'GET', pathRegex: '^/App/', times: 'Infinity', action: { status: 503 } });
		expect((await api.get('/App/user')).status).toBe(503);
		expect((await api.get('/App/about')).status).toBe(503);
		await control('DELETE', '/faults');
		expect((await api.get('/App/user')).status).toBe(200);
	});

	it('control: POST maintenance, lockout and settings switches', async () => {
		await control('POST', '/maintenance', { on: true });
		expect((await api.get('/App/user')).status).toBe(503);
		await control('POST', '/maintenance', { on: false });
		await control('POST', '/settings', { attachmentUploadChunkSize: 2 });
		expect((await api.get('/App/user')).json<{ settings: Json }>().settings.attachmentUploadChunkSize).toBe(2);
		await control('POST', '/settings', { attachmentUploadChunkSize: 4 });
		expect((await control('POST', '/lockout', { on: false })).status).toBe(200);
	});

	it('control: the control surface needs no auth and never appears in the API log', async () => {
		emulator.clearLog();
		await control('GET', '/log/count');
		expect(emulator.log).toHaveLength(0);
	});
});
