// Issue #10: writes of one execution to one record field apply in item order (File field: the last
// item's file wins), removes are atomic where EspoCRM has the relationship endpoint, and items
// written together get their own error objects.
import type { INodeParameters } from 'n8n-workflow';

import type { Emulator } from '../emulator';
import { shutdownHarness } from '../harness';
import { apiKeyCredential, fileItem, idsOn, rl, sha256, useEmulator } from '../workflow/nodeFixtures';
import { caseWithFile, documentWithFile, expectUnchanged, noteWithFile, runCase, snapshot } from './catalogue';

afterAll(async () => await shutdownHarness());

const binaryMode = 'filesystem' as const;
const replaceFileOf = (documentId: string): INodeParameters => ({
	operation: 'uploadToFileField',
	entityType: 'Document',
	field: 'file',
	recordMode: 'existing',
	recordId: rl(documentId),
});
const appendTo = (entityType: string, recordId: string): INodeParameters => ({
	operation: 'uploadToAttachmentMultiple',
	entityType,
	field: 'attachments',
	recordMode: 'existing',
	recordId: rl(recordId),
});
const removeFrom = (entityType: string, recordId: string, options: INodeParameters = {}): INodeParameters => ({
	operation: 'removeFromRecord',
	entityType,
	field: 'attachments',
	recordId: rl(recordId),
	attachmentId: '={{ $json.attachmentId }}',
	options,
});
const files = (label: string, count: number) =>
	Array.from({ length: count }, (_, i) => fileItem(`${label}-${i}.txt`, `${label} file ${i}`, 'text/plain'));

/** A Case holding `count` files (created by the API user, linked as EspoCRM links them). */
function caseWithFiles(emu: Emulator, label: string, count: number): { caseId: string; fileIds: string[] } {
	const fileIds = Array.from({ length: count }, (_, i) =>
		emu.state.createAttachment({ name: `${label}-${i}.txt`, type: 'text/plain', bytes: Buffer.from(`${label} ${i}`), field: 'attachments', parentType: 'Case', createdBy: emu.users.apiUser.id }).id,
	);
	const caseId = emu.state.createRecord('Case', { name: `Catalogue ${label}`, attachmentsIds: fileIds }).id as string;
	return { caseId, fileIds };
}

describe('one record, item order', () => {
	const emulator = useEmulator({ profile: '8.4' });
	afterEach(() => emulator().faults.clear());
	const credentials = () => apiKeyCredential(emulator());

	test.each([2, 3, 5])('%i items replace one Document\'s file: the last item\'s file wins, the earlier uploads are replaced and deleted, in one PUT', async (count) => {
		const emu = emulator();
		const { documentId, fileId } = documentWithFile(emu, `last-wins-${count}`);
		emu.clearLog();
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: replaceFileOf(documentId), items: files(`lw${count}`, count) });
		expect(result.error).toBeUndefined();
		const ids = result.items.map((item) => item.json.id as string);
		const last = ids[count - 1];
		expect(emu.state.record('Document', documentId)?.fileId).toBe(last);
		expect(emu.state.sha256(last)).toBe(sha256(Buffer.from(`lw${count} file ${count - 1}`)));
		expect(result.items[count - 1].json.replacedAttachmentIds).toEqual(ids.slice(0, -1));
		expect(result.items.slice(0, -1).map((item) => [item.json.replacedBy, item.json.deleted])).toEqual(ids.slice(0, -1).map(() => [last, true]));
		expect(ids.slice(0, -1).map((id) => emu.state.attachment(id)?.deleted ?? true)).toEqual(ids.slice(0, -1).map(() => true));
		expect(emu.state.attachment(fileId)?.deleted).toBe(true); // EspoCRM deleted the replaced file (§5.07)
		expect(emu.log.filter((entry) => entry.method === 'PUT' && entry.path === `/Document/${documentId}`)).toHaveLength(1);
	});

	test('two items remove two files of one Case (atomic DELETE per item, observed §5.31): exactly the third file stays', async () => {
		const emu = emulator();
		const { caseId, fileIds: [existingId, ...extra] } = caseWithFiles(emu, 'remove-two', 3);
		emu.clearLog();
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: removeFrom('Case', caseId), items: extra.map((attachmentId) => ({ json: { attachmentId } })) });
		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => [item.json.id, item.json.removed, item.json.deleted])).toEqual(extra.map((id) => [id, true, false]));
		expect(idsOn(emu, 'Case', caseId)).toEqual([existingId]);
		expect(emu.log.filter((entry) => entry.method === 'DELETE').map((entry) => entry.path)).toEqual([`/Case/${caseId}/attachments`, `/Case/${caseId}/attachments`]);
		expect(emu.log.filter((entry) => entry.method === 'PUT')).toEqual([]);
	});

	test('removing two files and appending three to one Case at the same time (two executions): the exact final list', async () => {
		const emu = emulator();
		const { caseId, fileIds: [existingId, ...gone] } = caseWithFiles(emu, 'remove-append', 3);
		const [removed, appended] = await Promise.all([
			runCase({ binaryMode, credentials: credentials(), parameters: removeFrom('Case', caseId), items: gone.map((attachmentId) => ({ json: { attachmentId } })) }),
			runCase({ binaryMode, credentials: credentials(), parameters: appendTo('Case', caseId), items: files('ra', 3) }),
		]);
		expect([removed.error, appended.error]).toEqual([undefined, undefined]);
		const added = appended.items.map((item) => item.json.id as string);
		expect(idsOn(emu, 'Case', caseId).sort()).toEqual([existingId, ...added].sort());
		expect(gone.map((id) => emu.state.attachment(id)?.deleted)).toEqual([false, false]);
	});

	test('on a Note (read-change-write): items that remove and append apply in item order, in one write, verified', async () => {
		const emu = emulator();
		const { noteId, existingId } = noteWithFile(emu, 'note-order');
		emu.clearLog();
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: removeFrom('Note', noteId), items: [{ json: { attachmentId: existingId } }] });
		expect(result.error).toBeUndefined();
		expect(result.items[0].json).toMatchObject({ id: existingId, removed: true, deleted: false });
		expect(idsOn(emu, 'Note', noteId)).toEqual([]);
		expect(emu.log.filter((entry) => entry.method === 'PUT' && entry.path === `/Note/${noteId}`)).toHaveLength(1);
		expect(emu.state.attachment(existingId)).toMatchObject({ deleted: false, parentId: null });
	});

	test('a remove of a file the Note does not hold changes nothing and says so (removed: false)', async () => {
		const emu = emulator();
		const { noteId, existingId } = noteWithFile(emu, 'remove-missing');
		const { existingId: elsewhere } = caseWithFile(emu, 'remove-missing-other');
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: removeFrom('Note', noteId), items: [{ json: { attachmentId: elsewhere } }] });
		expect(result.error).toBeUndefined();
		expect(result.items[0].json).toMatchObject({ id: elsewhere, removed: false, deleted: false });
		expect(idsOn(emu, 'Note', noteId)).toEqual([existingId]);
		expectUnchanged(emu, before);
	});

	test('a remove of a file the Case does not hold: removed: false, and no DELETE is sent (EspoCRM would answer true either way)', async () => {
		const emu = emulator();
		const { caseId, existingId } = caseWithFile(emu, 'case-remove-missing');
		const { existingId: elsewhere } = caseWithFile(emu, 'case-remove-missing-other');
		const before = snapshot(emu);
		emu.clearLog();
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: removeFrom('Case', caseId), items: [{ json: { attachmentId: elsewhere } }] });
		expect(result.error).toBeUndefined();
		expect(result.items[0].json).toMatchObject({ id: elsewhere, removed: false, deleted: false });
		expect(idsOn(emu, 'Case', caseId)).toEqual([existingId]);
		expect(emu.log.filter((entry) => entry.method !== 'GET')).toEqual([]);
		expectUnchanged(emu, before);
	});

	test('items written together that fail get their own error: their own [item N] and their own attachment', async () => {
		const emu = emulator();
		const { caseId, existingId } = caseWithFile(emu, 'own-errors');
		emu.faults.add({ method: 'POST', path: `/Case/${caseId}/attachments`, action: { status: 500 } });
		emu.faults.add({ method: 'GET', path: `/Case/${caseId}`, action: { status: 500 } });
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: appendTo('Case', caseId), items: files('own', 3), continueOnFail: true });
		expect(result.error).toBeUndefined();
		const errors = result.items.map((item) => [item.json.error, item.json.details] as [string, string]);
		errors.forEach(([message], i) => expect(message).toMatch(new RegExp(`^EspoCRM had an internal error \\(500\\) \\[item ${i}\\]$`)));
		const kept = errors.map(([, details]) => / lists (\w+) in 'attachments'/.exec(details)?.[1]);
		expect(new Set(kept).size).toBe(3);
		errors.forEach(([, details], i) => expect(details.match(/ lists (\w+) in/g)).toHaveLength(1));
		expect(idsOn(emu, 'Case', caseId)).toEqual([existingId]);
		expectUnchanged(emu, before, { attachments: kept as string[] });
	});
});

describe.each(['8.4', '9.3'] as const)('20 executions append to one Case at the same time (profile %s)', (profile) => {
	const emulator = useEmulator({ profile });
	test('all 20 files are on it, with the one it had', async () => {
		const emu = emulator();
		const { caseId, existingId } = caseWithFile(emu, `twenty-${profile}`);
		const results = await Promise.all(
			files(`t${profile}`, 20).map((item) => runCase({ binaryMode, credentials: apiKeyCredential(emu), parameters: appendTo('Case', caseId), items: [item] })),
		);
		expect(results.map((result) => result.error?.message)).toEqual(Array(20).fill(undefined));
		const ids = results.map((result) => result.items[0].json.id as string);
		expect(idsOn(emu, 'Case', caseId).sort()).toEqual([existingId, ...ids].sort());
	});
});
