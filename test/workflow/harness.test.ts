import { createHash } from 'crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'http';
import type { AddressInfo } from 'net';

import { loadedPackage, runNode, shutdownHarness, type BinaryMode } from '../harness';

afterAll(shutdownHarness);

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('the harness loads the package from its build like n8n does', () => {
	it('finds the node and the credential that package.json declares, in dist/', () => {
		expect(loadedPackage()).toEqual({
			nodeTypes: [
				'n8n-nodes-espocrm-attachments.espoCrmAttachment',
				'n8n-nodes-espocrm-attachments.espoCrmFileTrigger',
				'n8n-nodes-espocrm-attachments.espoCrmFilePollTrigger',
			],
			credentialTypes: ['espoCrmApi'],
			loadErrors: {},
		});
	});
});

describe.each<BinaryMode>(['default', 'filesystem'])('binary data through the real engine (%s mode)', (binaryMode) => {
	const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(70_000, 7), Buffer.from('\n%%EOF')]);
	const photo = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);

	it('a node reads the input binaries through the helpers and writes a new one', async () => {
		const result = await runNode({
			binaryMode,
			nodeType: 'harness.binaryEcho',
			parameters: { binaryPropertyName: 'data' },
			items: [
				{ json: { n: 0 }, binary: { data: { data: pdf, fileName: 'Angebot Müller.pdf', mimeType: 'application/pdf' } } },
				{ json: { n: 1 }, binary: { data: { data: photo, fileName: 'photo.jpg', mimeType: 'image/jpeg' } } },
			],
		});

		expect(result.status).toBe('success');
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(2);
		const [first, second] = result.items;
		expect(first.json).toMatchObject({
			readBytes: pdf.length,
			sha256: sha256(pdf),
			inputFileName: 'Angebot Müller.pdf',
			inputMimeType: 'application/pdf',
			inputStoredAs: binaryMode === 'filesystem' ? 'file' : 'inline',
		});
		expect(first.pairedItem).toEqual({ item: 0 });
		expect(second.pairedItem).toEqual({ item: 1 });
		expect(second.json.sha256).toBe(sha256(photo));

		const echo = first.binary!.echo;
		expect(echo.bytes.equals(pdf)).toBe(true);
		expect(echo.fileName).toBe('echo-Angebot Müller.pdf');
		expect(echo.mimeType).toBe('application/pdf');
		expect(echo.fileExtension).toBe('pdf');
		if (binaryMode === 'filesystem') {
			// The content lives in a file; `data` is only a marker. Never treat it as base64 content.
			expect(echo.raw.data).toBe('filesystem-v2');
			expect(echo.raw.id).toMatch(/^filesystem-v2:/);
		} else {
			expect(echo.raw.id).toBeUndefined();
			expect(Buffer.from(echo.raw.data, 'base64').equals(pdf)).toBe(true);
		}
		expect(second.binary!.echo.bytes.equals(photo)).toBe(true);
	});

	it('a missing binary fails the run with the item index, or becomes an error item with continueOnFail', async () => {
		const items = [{ json: {}, binary: { data: { data: photo, fileName: 'a.jpg', mimeType: 'image/jpeg' } } }, { json: {} }];
		const failed = await runNode({ binaryMode, nodeType: 'harness.binaryEcho', parameters: {}, items });
		expect(failed.status).toBe('error');
		expect(failed.error?.message).toMatch(/binary/i);
		expect(failed.error?.itemIndex).toBe(1);

		const continued = await runNode({ binaryMode, nodeType: 'harness.binaryEcho', parameters: {}, items, continueOnFail: true });
		expect(continued.status).toBe('success');
		expect(continued.items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(continued.items[1].json.error).toMatch(/binary/i);
	});
});

describe('node errors', () => {
	const items = [{ json: { fail: false } }, { json: { fail: true } }, { json: { fail: false } }];

	it('without continueOnFail: the run fails with the error message, description and item index', async () => {
		const result = await runNode({ binaryMode: 'default', nodeType: 'harness.failingNode', parameters: {}, items });
		expect(result.status).toBe('error');
		expect(result.items).toEqual([]);
		expect(result.error).toMatchObject({
			message: 'Item 1 asked to fail',
			description: 'Because json.fail is true',
			name: 'NodeOperationError',
			itemIndex: 1,
		});
	});

	it('with continueOnFail: an error item in place, the other items carry on, all paired', async () => {
		const result = await runNode({ binaryMode: 'default', nodeType: 'harness.failingNode', parameters: {}, items, continueOnFail: true });
		expect(result.status).toBe('success');
		expect(result.error).toBeUndefined();
		expect(result.items.map((i) => [i.json, i.pairedItem])).toEqual([
			[{ ok: 0 }, { item: 0 }],
			[{ error: 'Item 1 asked to fail' }, { item: 1 }],
			[{ ok: 2 }, { item: 2 }],
		]);
	});
});

describe('runs in parallel', () => {
	it('20 concurrent runs in mixed binary modes keep their own mode, data and logs', async () => {
		const runs = Array.from({ length: 20 }, (_, i) => {
			const binaryMode: BinaryMode = i % 2 ? 'filesystem' : 'default';
			const data = Buffer.from(`file number ${i} `.repeat(1000 + i));
			return runNode({
				binaryMode,
				nodeType: 'harness.binaryEcho',
				parameters: {},
				items: [{ binary: { data: { data, fileName: `f${i}.txt`, mimeType: 'text/plain' } } }],
			}).then((result) => ({ i, binaryMode, data, result }));
		});
		for (const { i, binaryMode, data, result } of await Promise.all(runs)) {
			expect(result.status).toBe('success');
			const echo = result.items[0].binary!.echo;
			expect(echo.bytes.equals(data)).toBe(true);
			expect(echo.fileName).toBe(`echo-f${i}.txt`);
			expect(echo.raw.data === 'filesystem-v2').toBe(binaryMode === 'filesystem');
			expect(result.logs.filter((line) => line.includes('Workflow execution started'))).toHaveLength(1);
		}
	});
});

describe('credentials through httpRequestWithAuthentication', () => {
	let server: Server;
	let url: string;
	const seen: Array<{ method?: string; url?: string; headers: IncomingHttpHeaders }> = [];

	beforeAll(async () => {
		server = createServer((req, res) => {
			seen.push({ method: req.method, url: req.url, headers: req.headers });
			const ok = req.headers['x-api-key'] === 'good-key';
			res.writeHead(ok ? 200 : 401, { 'Content-Type': 'application/json' });
			res.end(ok ? JSON.stringify({ user: { id: 'u1', userName: 'api' } }) : '');
		});
		await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
		url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	afterAll(async () => new Promise<void>((done) => server.close(() => done())));

	it("applies the credential type's authenticate function to the node's request", async () => {
		const result = await runNode({
			binaryMode: 'default',
			nodeType: 'harness.espoProbe',
			credentials: { baseUrl: `${url}/crm/`, authMethod: 'apiKey', apiKey: 'good-key' },
			parameters: { method: 'GET', path: '/App/user' },
		});
		expect(result.status).toBe('success');
		expect(result.items[0].json).toEqual({ user: { id: 'u1', userName: 'api' } });
		expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/crm/api/v1/App/user' });
		expect(seen.at(-1)!.headers['x-api-key']).toBe('good-key');
	});

	it('reports an HTTP error as the node error and records logs of the run', async () => {
		const result = await runNode({
			binaryMode: 'default',
			nodeType: 'harness.espoProbe',
			credentials: { baseUrl: url, authMethod: 'apiKey', apiKey: 'bad-key' },
			parameters: { method: 'GET', path: '/App/user' },
		});
		expect(result.status).toBe('error');
		expect(result.error?.httpCode).toBe('401');
		expect(result.logs.length).toBeGreaterThan(0);
	});

	it('a node without credential gets none', async () => {
		const result = await runNode({
			binaryMode: 'default',
			nodeType: 'harness.espoProbe',
			credentials: null,
			parameters: {},
		});
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/credentials/i);
	});
});
