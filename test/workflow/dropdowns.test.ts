// The dropdowns (entity types, fields) and resource locators (records, attachments) against the
// emulator, called the way n8n's editor calls them.
import { listSearch, loadOptions } from '../harness/loadOptions';
import { apiKeyCredential, useEmulator } from './nodeFixtures';

describe('dropdowns and resource locators', () => {
	const emulator = useEmulator();

	test('entity types list only types with File, Image or Attachment-Multiple fields the user can see', async () => {
		const options = await loadOptions(apiKeyCredential(emulator()), 'getEntityTypes');
		const names = options.map((option) => option.value);
		expect(names).toEqual(expect.arrayContaining(['Document', 'Case', 'Note', 'CInspection']));
		expect(names).not.toContain('Account');
		expect(names).not.toContain('User');
	});

	test('File-field entity types include Document and CInspection but not Case', async () => {
		const names = (await loadOptions(apiKeyCredential(emulator()), 'getEntityTypesWithFileFields')).map((o) => o.value);
		expect(names).toEqual(expect.arrayContaining(['Document', 'CInspection']));
		expect(names).not.toContain('Case');
	});

	test('fields of CInspection split by the type each operation needs', async () => {
		const credentials = apiKeyCredential(emulator());
		const files = await loadOptions(credentials, 'getFileFields', { entityType: 'CInspection' });
		const multiple = await loadOptions(credentials, 'getAttachmentMultipleFields', { entityType: 'CInspection' });
		expect(files.map((o) => o.value).sort()).toEqual(['photo', 'report']);
		expect(multiple.map((o) => o.value).sort()).toEqual(['attachments', 'photos']);
		expect(files.find((o) => o.value === 'report')?.description).toMatch(/\.pdf/);
	});

	test('Document.file shows its accepted types (observed §6.12)', async () => {
		const [file] = await loadOptions(apiKeyCredential(emulator()), 'getFileFields', { entityType: 'Document' });
		expect(file).toMatchObject({ value: 'file', name: 'file (File)' });
		expect(file.description).toContain('.pdf');
	});

	test('record search lists records with their EspoCRM URL and filters by text', async () => {
		const emu = emulator();
		emu.state.createRecord('Case', { name: 'Broken pump in hall 7' });
		const all = await listSearch(apiKeyCredential(emu), 'searchRecords', { entityType: 'Case' });
		expect(all.results.length).toBeGreaterThan(1);
		const found = await listSearch(apiKeyCredential(emu), 'searchRecords', { entityType: 'Case' }, 'Broken pump');
		expect(found.results).toHaveLength(1);
		expect(found.results[0].name).toBe('Broken pump in hall 7');
		expect(found.results[0].url).toBe(`${emu.url}/#Case/view/${found.results[0].value}`);
	});

	test('attachment search works for an admin and explains the limit to an API user (§4.a: list is admin-only)', async () => {
		const emu = emulator();
		const admin = { baseUrl: emu.url, authMethod: 'password' as const, username: emu.users.admin.userName, password: emu.users.admin.password };
		const listed = await listSearch(admin, 'searchAttachments');
		expect(listed.results.length).toBeGreaterThan(0);
		await expect(listSearch(apiKeyCredential(emu), 'searchAttachments')).rejects.toThrow(/only admin users list attachments/);
	});
});
