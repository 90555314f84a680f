// Username & Password: EspoCRM creates an auth token (and an auth-log entry) for every password
// login (reference api §2.4), so the node logs in once per execution and then sends the token.
import { runNode, shutdownHarness } from '../harness';
import { fileItem, rl, useEmulator } from './nodeFixtures';

afterAll(async () => await shutdownHarness());

describe('Username & Password credential', () => {
	const emulator = useEmulator();

	test('logs in once per execution and sends the auth token (Espo-Authorization-By-Token) afterwards', async () => {
		const emu = emulator();
		const { userName, password } = emu.users.regularUser;
		const caseId = emu.state.createRecord('Case', { name: 'Password login' }).id as string;
		emu.clearLog();
		const result = await runNode({
			binaryMode: 'filesystem',
			credentials: { baseUrl: emu.url, authMethod: 'password', username: userName, password },
			parameters: { operation: 'uploadToAttachmentMultiple', entityType: 'Case', field: 'attachments', recordMode: 'existing', recordId: rl(caseId) },
			items: ['a.txt', 'b.txt', 'c.txt'].map((name) => fileItem(name, name, 'text/plain')),
		});
		expect(result.error).toBeUndefined();
		const passwordLogins = emu.log.filter((entry) => entry.reqHeaders['espo-authorization'] && entry.reqHeaders['espo-authorization-by-token'] !== 'true');
		const tokenRequests = emu.log.filter((entry) => entry.reqHeaders['espo-authorization-by-token'] === 'true');
		expect(passwordLogins.map((entry) => `${entry.method} ${entry.path}`)).toEqual(['GET /App/user']);
		// The login's App/user answer also serves the upload limits: App/user is asked once.
		expect(emu.log.filter((entry) => entry.path === '/App/user')).toHaveLength(1);
		expect(tokenRequests.length).toBe(emu.log.length - 1);
		expect(tokenRequests.every((entry) => entry.status === 200)).toBe(true);
		const [login] = passwordLogins;
		const decoded = Buffer.from(String(tokenRequests[0].reqHeaders['espo-authorization']), 'base64').toString();
		expect(decoded.startsWith(`${userName}:`)).toBe(true);
		expect(decoded).not.toContain(password as string);
		expect(login.status).toBe(200);
	});

	test('a wrong password fails on the one login with the 401 hint for passwords', async () => {
		const emu = emulator();
		emu.clearLog();
		const result = await runNode({
			binaryMode: 'default',
			credentials: { baseUrl: emu.url, authMethod: 'password', username: emu.users.regularUser.userName, password: 'wrong-password' },
			parameters: { operation: 'get', attachmentId: rl(emu.seed!.caseAttachmentId) },
		});
		expect(result.error?.message).toMatch(/rejected the credentials \(401/);
		expect(result.error?.description).toMatch(/username and password/);
		expect(emu.log.every((entry) => entry.path === '/App/user')).toBe(true);
	});
});
