// Many items at once through the real n8n engine against the emulator (issue #5): the emulator never
// sees more than `concurrency` requests in flight, the output keeps the input order and pairedItem
// even when later items finish first, and appends to one record stay one write per record.
// "In flight" is measured on the emulator's side, from each logged request's start and duration.
import type { INodeParameters } from 'n8n-workflow';

import type { Emulator } from '../emulator';
import { runNode, shutdownHarness, type BinaryMode, type InputItem, type RunResult } from '../harness';
import { apiKeyCredential, attachmentIds, BINARY_MODES, fileItem, idsOn, maxInFlight, orphans, rl, sha256, useEmulator } from './nodeFixtures';

afterAll(async () => await shutdownHarness());

const textFiles = (n: number, prefix: string): InputItem[] =>
	Array.from({ length: n }, (_, i) => fileItem(`${prefix}-${i}.txt`, `${prefix} file ${i} ${'.'.repeat(i * 100)}`, 'text/plain'));

describe.each(BINARY_MODES)('Concurrency, binary mode %s', (binaryMode: BinaryMode) => {
	const emulator = useEmulator();
	beforeEach(() => {
		emulator().faults.clear();
		emulator().clearLog();
	});

	const run = (parameters: INodeParameters, items?: InputItem[], continueOnFail = false): Promise<RunResult> =>
		runNode({ binaryMode, credentials: apiKeyCredential(emulator()), parameters, items, continueOnFail });

	function storedFiles(n: number, prefix: string) {
		const emu = emulator();
		return Array.from({ length: n }, (_, i) =>
			emu.state.createAttachment({
				name: `${prefix}-${i}.txt`,
				type: 'text/plain',
				bytes: Buffer.from(`${prefix} ${i} ${'#'.repeat(i * 1000)}`),
				field: 'attachments',
				parentType: 'Case',
				createdBy: emu.users.apiUser.id,
			}),
		);
	}

	test.each([1, 3, 5, 12])('12 uploads with concurrency %i: never more requests in flight than that, and the bound is used', async (concurrency) => {
		const emu = emulator();
		emu.faults.add({ method: 'POST', path: '/Attachment', times: Infinity, action: { delayMs: 300 } }); // long enough that the bound is reached on a busy machine too
		const items = textFiles(12, `c${concurrency}`);
		const result = await run({ operation: 'upload', entityType: 'Case', field: 'attachments', options: { concurrency } }, items);
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(12);
		expect(maxInFlight(emu.log)).toBe(concurrency);
	});

	test('Without the option, at most 5 requests are in flight (the default)', async () => {
		const emu = emulator();
		emu.faults.add({ method: 'POST', path: '/Attachment', times: Infinity, action: { delayMs: 300 } }); // long enough that the bound is reached on a busy machine too
		const result = await run({ operation: 'upload', entityType: 'Case', field: 'attachments' }, textFiles(12, 'default'));
		expect(result.error).toBeUndefined();
		expect(maxInFlight(emu.log)).toBe(5);
	});

	test('Chunked uploads count every chunk against the bound: 4 files of 3 chunks with concurrency 2 never exceed 2', async () => {
		const emu = emulator();
		emu.faults.add({ method: 'POST', path: /^\/Attachment\/chunk\//, times: Infinity, action: { delayMs: 20 } });
		const files = [0, 1, 2, 3].map((n) => Buffer.alloc(600 * 1024 + n, 65 + n));
		const result = await run(
			{ operation: 'upload', entityType: 'Case', field: 'attachments', options: { concurrency: 2, chunkSizeMb: 0.25 } },
			files.map((contents, n) => fileItem(`chunky-${n}.bin`, contents, 'application/octet-stream')),
		);
		expect(result.error).toBeUndefined();
		expect(emu.log.filter((e) => e.path.startsWith('/Attachment/chunk/'))).toHaveLength(12);
		expect(maxInFlight(emu.log)).toBe(2);
		result.items.forEach((item, n) => expect(emu.state.sha256(item.json.id as string)).toBe(sha256(files[n])));
	});

	test('10 downloads with concurrency 3: never more than 3 requests in flight', async () => {
		const emu = emulator();
		const attachments = storedFiles(10, 'dl');
		emu.faults.add({ method: 'GET', path: /^\/Attachment\/file\//, times: Infinity, action: { delayMs: 30 } });
		const result = await run(
			{ operation: 'download', attachmentId: rl('={{ $json.id }}'), outputBinaryField: 'data', options: { concurrency: 3 } },
			attachments.map((a) => ({ json: { id: a.id } })),
		);
		expect(result.error).toBeUndefined();
		expect(maxInFlight(emu.log)).toBe(3);
		result.items.forEach((item, i) => expect(sha256(item.binary!.data.bytes)).toBe(emu.state.sha256(attachments[i].id)));
	});

	test('Downloads keep the input order and pairedItem when the early items finish last', async () => {
		const emu = emulator();
		const attachments = storedFiles(6, 'order');
		// Item 0 waits longest, item 2 least of the delayed ones; items 3–5 are not delayed at all.
		// Far apart, so the order holds on a busy machine too.
		[1200, 800, 400].forEach((delayMs, i) =>
			emu.faults.add({ method: 'GET', path: `/Attachment/file/${attachments[i].id}`, action: { delayMs } }),
		);
		const result = await run(
			{ operation: 'download', attachmentId: rl('={{ $json.id }}'), outputBinaryField: 'data', options: { concurrency: 6 } },
			attachments.map((a) => ({ json: { id: a.id } })),
		);
		expect(result.error).toBeUndefined();
		// They really finished in another order: the log is written as requests end.
		const finished = emu.log.filter((e) => e.path.startsWith('/Attachment/file/')).map((e) => e.path.split('/').pop());
		expect(finished.slice(-3)).toEqual([attachments[2].id, attachments[1].id, attachments[0].id]);
		expect(result.items.map((item) => item.json.id)).toEqual(attachments.map((a) => a.id));
		expect(result.items.map((item) => item.pairedItem)).toEqual(attachments.map((_, i) => ({ item: i })));
		result.items.forEach((item, i) => {
			expect(item.binary!.data.fileName).toBe(`order-${i}.txt`);
			expect(sha256(item.binary!.data.bytes)).toBe(emu.state.sha256(attachments[i].id));
		});
	});

	test('Uploads keep the input order and pairedItem when the first upload is the slowest', async () => {
		const emu = emulator();
		emu.faults.add({ method: 'POST', path: '/Attachment', nth: 1, action: { delayMs: 300 } });
		emu.faults.add({ method: 'POST', path: '/Attachment', nth: 2, action: { delayMs: 150 } });
		const items = textFiles(6, 'slow-first');
		const before = attachmentIds(emu);
		const result = await run({ operation: 'upload', entityType: 'Case', field: 'attachments', options: { concurrency: 6 } }, items);
		expect(result.error).toBeUndefined();
		// EspoCRM created them in another order than the items came in.
		const created = emu.state.attachments().filter((a) => !before.has(a.id)).map((a) => a.name);
		expect(created).not.toEqual(items.map((_, i) => `slow-first-${i}.txt`));
		expect(result.items.map((item) => item.json.name)).toEqual(items.map((_, i) => `slow-first-${i}.txt`));
		expect(result.items.map((item) => item.pairedItem)).toEqual(items.map((_, i) => ({ item: i })));
	});

	test('12 appends across 3 Cases, finishing out of order: one write per Case, every file on its Case, pairing exact', async () => {
		const emu = emulator();
		const cases = [0, 1, 2].map((n) => emu.state.createRecord('Case', { name: `Coalesce ${binaryMode} ${n}` }).id as string);
		emu.faults.add({ method: 'POST', path: '/Attachment', nth: 1, action: { delayMs: 200 } });
		emu.faults.add({ method: 'POST', path: '/Attachment', nth: 3, action: { delayMs: 100 } });
		emu.faults.add({ method: 'POST', path: '/Attachment', times: Infinity, action: { delayMs: 20 } });
		const items = textFiles(12, 'append').map((item, i) => ({ ...item, json: { caseId: cases[i % 3] } }));
		const result = await run(
			{ operation: 'uploadToAttachmentMultiple', entityType: 'Case', field: 'attachments', recordMode: 'existing', recordId: '={{ $json.caseId }}', options: { concurrency: 4 } },
			items,
		);
		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => item.pairedItem)).toEqual(items.map((_, i) => ({ item: i })));
		expect(result.items.map((item) => item.json.name)).toEqual(items.map((_, i) => `append-${i}.txt`));
		for (const [n, caseId] of cases.entries()) {
			const writes = emu.log.filter((e) => e.method !== 'GET' && e.path.startsWith(`/Case/${caseId}`));
			expect(writes.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([`POST /Case/${caseId}/attachments 200`]);
			const expected = result.items.filter((_, i) => i % 3 === n).map((item) => item.json.id as string);
			expect(idsOn(emu, 'Case', caseId).sort()).toEqual(expected.sort());
		}
		expect(emu.log.filter((e) => e.path === '/Attachment')).toHaveLength(12);
		expect(maxInFlight(emu.log)).toBeLessThanOrEqual(4);
	});

	test('Appends to Notes (no relationship endpoint): one read-and-write per Note, keeping the files each had', async () => {
		const emu = emulator();
		const notes = [0, 1].map((n) => emu.state.createRecord('Note', { type: 'Post', post: `Coalesce ${binaryMode} ${n}` }).id as string);
		const kept = emu.state.createAttachment({ name: 'kept.txt', type: 'text/plain', bytes: Buffer.from('kept'), field: 'attachments', parentType: 'Note', createdBy: emu.users.apiUser.id });
		const seeded = await fetch(`${emu.apiUrl}/Note/${notes[0]}`, {
			method: 'PUT',
			headers: { 'Content-Type': 'application/json', 'X-Api-Key': emu.users.apiUser.apiKey as string },
			body: JSON.stringify({ attachmentsIds: [kept.id] }),
		});
		expect(seeded.status).toBe(200);
		emu.clearLog();
		emu.faults.add({ method: 'POST', path: '/Attachment', nth: 1, action: { delayMs: 150 } });
		const items = textFiles(8, 'note').map((item, i) => ({ ...item, json: { noteId: notes[i % 2] } }));
		const result = await run(
			{ operation: 'uploadToAttachmentMultiple', entityType: 'Note', field: 'attachments', recordMode: 'existing', recordId: '={{ $json.noteId }}', options: { concurrency: 3 } },
			items,
		);
		expect(result.error).toBeUndefined();
		for (const [n, noteId] of notes.entries()) {
			const puts = emu.log.filter((e) => e.method === 'PUT' && e.path === `/Note/${noteId}`);
			expect(puts.map((e) => e.status)).toEqual([200]);
			const added = result.items.filter((_, i) => i % 2 === n).map((item) => item.json.id as string);
			expect(idsOn(emu, 'Note', noteId).sort()).toEqual([...(n === 0 ? [kept.id] : []), ...added].sort());
		}
		expect(maxInFlight(emu.log)).toBeLessThanOrEqual(3);
	});

	test('When the one write for a record fails, every item of that record fails, its uploads are deleted, the other record is written', async () => {
		const emu = emulator();
		const [good, bad] = [0, 1].map((n) => emu.state.createRecord('Case', { name: `Group failure ${binaryMode} ${n}` }).id as string);
		emu.faults.add({ method: 'POST', path: `/Case/${bad}/attachments`, action: { status: 500 } });
		// Slow deletes, so cleanups that ignored the bound would be seen overlapping.
		emu.faults.add({ method: 'DELETE', path: /^\/Attachment\//, times: Infinity, action: { delayMs: 30 } });
		const before = attachmentIds(emu);
		const items = textFiles(10, 'group').map((item, i) => ({ ...item, json: { caseId: i % 2 === 0 ? good : bad } }));
		const result = await run(
			{ operation: 'uploadToAttachmentMultiple', entityType: 'Case', field: 'attachments', recordMode: 'existing', recordId: '={{ $json.caseId }}', options: { concurrency: 2 } },
			items,
			true,
		);
		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => item.pairedItem)).toEqual(items.map((_, i) => ({ item: i })));
		const failed = result.items.filter((item) => item.json.error !== undefined).map((item) => (item.pairedItem as { item: number }).item);
		expect(failed).toEqual([1, 3, 5, 7, 9]);
		for (const i of failed) expect(String(result.items[i].json.details)).toMatch(/was deleted/);
		expect(emu.log.filter((e) => e.method === 'DELETE')).toHaveLength(5);
		expect(idsOn(emu, 'Case', good).sort()).toEqual([0, 2, 4, 6, 8].map((i) => result.items[i].json.id as string).sort());
		expect(idsOn(emu, 'Case', bad)).toEqual([]);
		expect(orphans(emu, before)).toEqual([]);
		expect(maxInFlight(emu.log)).toBeLessThanOrEqual(2);
	});
});
