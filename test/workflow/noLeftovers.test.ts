// In a long-running n8n the node must not leave timers or sockets behind: after its executions end
// (chunked uploads, appends, downloads, a password login, a request that timed out, a failed one),
// the process holds exactly the timers and sockets it held before, once EspoCRM's side has settled.
// Counted with Node's own list of what keeps the event loop alive (process.getActiveResourcesInfo).
import { runNode, shutdownHarness } from '../harness';
import { apiKeyCredential, rl, useEmulator } from './nodeFixtures';

afterAll(async () => await shutdownHarness());

const KINDS = ['Timeout', 'TCPSocketWrap', 'TCPWrap', 'Immediate'];
const held = () => {
	const counts: Record<string, number> = Object.fromEntries(KINDS.map((kind) => [kind, 0]));
	for (const kind of process.getActiveResourcesInfo()) if (kind in counts) counts[kind] += 1;
	return counts;
};
const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

describe('the node leaves no timer or socket behind', () => {
	const emulator = useEmulator();

	test('after uploads, appends, downloads, a password login, a timeout and a failure, the process holds what it held before', async () => {
		const emu = emulator();
		const { caseId } = emu.seed!;
		const credentials = apiKeyCredential(emu);
		const append = { operation: 'uploadToAttachmentMultiple', entityType: 'Case', field: 'attachments', recordMode: 'existing', recordId: rl(caseId), fileSource: 'text' };
		// One run first, so that what n8n-core sets up once per process is already there.
		expect((await runNode({ binaryMode: 'default', credentials, parameters: { ...append, fileName: 'warm.txt', fileContent: 'warm up' } })).error).toBeUndefined();
		await sleep(50);
		const before = held();

		const text = 'x'.repeat(50_000);
		const runs = [
			await runNode({ binaryMode: 'filesystem', credentials, parameters: { ...append, fileName: 'a.txt', fileContent: text, options: { chunkSizeMb: 0.01 } } }),
			await runNode({ binaryMode: 'filesystem', credentials, parameters: { operation: 'downloadFromRecord', entityType: 'Case', field: 'attachments', recordId: rl(caseId), outputBinaryField: 'data' } }),
			await runNode({
				binaryMode: 'default',
				credentials: { baseUrl: emu.url, authMethod: 'password', username: emu.users.regularUser.userName, password: emu.users.regularUser.password },
				parameters: { operation: 'downloadFromRecord', entityType: 'Case', field: 'attachments', recordId: rl(caseId), outputBinaryField: 'data' },
			}),
		];
		for (const run of runs) expect(run.error).toBeUndefined();
		emu.faults.add({ method: 'GET', path: '/Metadata', action: { delayMs: 2500 } });
		const timedOut = await runNode({ binaryMode: 'default', credentials, parameters: { ...append, fileName: 'late.txt', fileContent: 'late', options: { timeoutSeconds: 1 } } });
		expect(timedOut.error?.message).toMatch(/timed out|did not answer/i);
		const failed = await runNode({ binaryMode: 'default', credentials, parameters: { ...append, recordId: rl('doesnotexist00001'), fileName: 'b.txt', fileContent: 'b' } });
		expect(failed.error?.message).toBe('EspoCRM could not find Case doesnotexist00001 (404): Record doesnotexist00001 does not exist. [item 0]');

		// EspoCRM's side settles: the delayed answer is written, idle keep-alive connections close.
		let after = held();
		for (let waited = 0; waited < 20_000 && JSON.stringify(after) !== JSON.stringify(before); waited += 250) {
			await sleep(250);
			after = held();
		}
		expect(after).toEqual(before);
	});
});
