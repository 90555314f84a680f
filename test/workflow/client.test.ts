// Issue #10, the execution's EspoCRM client: every request counts against Concurrency (metadata and
// login too), a password login's token is given back at the end, MIME types reach EspoCRM clean,
// and a downloaded file's name is a plain base name.
import type { EspoCredentialData } from '../../credentials/espoCrmSigning';
import { runNode, shutdownHarness } from '../harness';
import { apiKeyCredential, BINARY_MODES, fileItem, maxInFlight, rl, sha256, useEmulator } from './nodeFixtures';

afterAll(async () => await shutdownHarness());

const ENTITY_TYPES = ['Document', 'Note', 'Case', 'Account', 'Task', 'KnowledgeBaseArticle', 'Opportunity', 'CInspection'];

describe.each(BINARY_MODES)('the execution\'s client (%s binary mode)', (binaryMode) => {
	const emulator = useEmulator();
	beforeEach(() => {
		emulator().faults.clear();
		emulator().clearLog();
	});
	const password = (): EspoCredentialData => ({
		baseUrl: emulator().url,
		authMethod: 'password',
		username: emulator().users.regularUser.userName,
		password: emulator().users.regularUser.password,
	});

	test('Concurrency 1 with 8 entity types: the 8 metadata reads go one at a time too', async () => {
		const emu = emulator();
		emu.faults.add({ method: 'GET', path: '/Metadata', times: Infinity, action: { delayMs: 30 } });
		const result = await runNode({
			binaryMode,
			credentials: apiKeyCredential(emu),
			parameters: { operation: 'upload', entityType: '={{ $json.entityType }}', field: 'attachments', options: { concurrency: 1 } },
			items: ENTITY_TYPES.map((entityType, i) => fileItem(`m${i}.txt`, `metadata ${i}`, 'text/plain', { entityType })),
			continueOnFail: true,
		});
		expect(result.error).toBeUndefined();
		expect(emu.log.filter((entry) => entry.path === '/Metadata')).toHaveLength(8);
		expect(maxInFlight(emu.log)).toBe(1);
	});

	test('Username & Password: one login per execution, and its token is given back at the end (POST App/destroyAuthToken)', async () => {
		const emu = emulator();
		const before = emu.activeAuthTokens();
		const { caseId } = { caseId: emu.state.createRecord('Case', { name: 'Logout case' }).id as string };
		const result = await runNode({
			binaryMode,
			credentials: password(),
			parameters: { operation: 'uploadToAttachmentMultiple', entityType: 'Case', field: 'attachments', recordMode: 'existing', recordId: rl(caseId) },
			items: [0, 1, 2].map((i) => fileItem(`p${i}.txt`, `password ${i}`, 'text/plain')),
		});
		expect(result.error).toBeUndefined();
		expect(emu.activeAuthTokens()).toBe(before);
		expect(emu.log.filter((entry) => entry.path === '/App/user')).toHaveLength(1);
		expect(emu.log.filter((entry) => entry.path === '/App/destroyAuthToken').map((entry) => [entry.method, entry.status])).toEqual([['POST', 200]]);
	});

	test('a MIME type with parameters (a comma inside one) reaches EspoCRM as a clean type/subtype, and the bytes are intact (reference §3.1)', async () => {
		const emu = emulator();
		const result = await runNode({
			binaryMode,
			credentials: apiKeyCredential(emu),
			parameters: { operation: 'upload', entityType: 'Case', field: 'attachments' },
			items: [fileItem('profile.txt', 'a,b and more', 'text/plain; profile="a,b"; charset=UTF-8')],
		});
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		expect(emu.state.attachment(id)?.type).toBe('text/plain');
		expect(emu.state.sha256(id)).toBe(sha256(Buffer.from('a,b and more')));
	});

	test('the MIME Type option: parameters dropped; a value that is not type/subtype is refused before anything is sent', async () => {
		const emu = emulator();
		const clean = await runNode({
			binaryMode,
			credentials: apiKeyCredential(emu),
			parameters: { operation: 'upload', entityType: 'Case', field: 'attachments', options: { mimeType: 'Text/CSV; header="a,b"' } },
			items: [fileItem('t.csv', 'x,y\n1,2\n', 'text/plain')],
		});
		expect(clean.error).toBeUndefined();
		expect(emu.state.attachment(clean.items[0].json.id as string)?.type).toBe('text/csv');
		expect(emu.state.sha256(clean.items[0].json.id as string)).toBe(sha256(Buffer.from('x,y\n1,2\n')));

		emu.clearLog();
		const refused = await runNode({
			binaryMode,
			credentials: apiKeyCredential(emu),
			parameters: { operation: 'upload', entityType: 'Case', field: 'attachments', options: { mimeType: 'pdf, please' } },
			items: [fileItem('t.pdf', '%PDF-1.4', 'application/pdf')],
		});
		expect(refused.error?.message).toBe('The MIME type "pdf, please" (option "MIME Type") is not a valid type/subtype [item 0]');
		expect(refused.error?.description).toMatch(/application\/pdf or image\/png.*Nothing was uploaded\./);
		expect(emu.log.filter((entry) => entry.method !== 'GET')).toEqual([]);
	});

	test.each([
		['../../etc/passwd', 'passwd'],
		['C:\\Users\\x\\report..final.pdf', 'report.final.pdf'],
		['..', 'attachment-{id}'],
	])('a stored name %j downloads as the plain file name %j', async (stored, expected) => {
		const emu = emulator();
		const attachment = emu.state.createAttachment({ name: stored, type: 'text/plain', bytes: Buffer.from('named'), field: 'attachments', parentType: 'Case', createdBy: emu.users.apiUser.id });
		const result = await runNode({
			binaryMode,
			credentials: apiKeyCredential(emu),
			parameters: { operation: 'download', attachmentId: rl(attachment.id), outputBinaryField: 'data' },
		});
		expect(result.error).toBeUndefined();
		expect(result.items[0].binary?.data.fileName).toBe(expected.replace('{id}', attachment.id));
		expect(result.items[0].json.name).toBe(stored);
	});
});
