// Failure catalogue (issue #6), faults: the network and EspoCRM failing under the node. Each case
// checks the line the user reads (or the retry that succeeded) and what EspoCRM holds afterwards.
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import type { INodeParameters } from 'n8n-workflow';

import { startEmulator, type Emulator } from '../emulator';
import { shutdownHarness } from '../harness';
import { apiKeyCredential, fileItem, idsOn, rl, sha256, useEmulator } from '../workflow/nodeFixtures';
import {
	CONTENT,
	caseWithFile,
	closedPort,
	documentWithFile,
	expectFailure,
	expectUnchanged,
	newLiveAttachments,
	patterned,
	runCase,
	snapshot,
	waitForRequest,
} from './catalogue';

afterAll(async () => await shutdownHarness());

const binaryMode = 'filesystem' as const;
/** 0.01 MB = 10485 bytes per chunk, so a 30000-byte file goes up in 3 chunks. */
const SMALL_CHUNKS: INodeParameters = { chunkSizeMb: 0.01 };
const CHUNKED_SIZE = 30_000;
const CHUNK = /^\/Attachment\/chunk\//;

const appendTo = (caseId: string, options: INodeParameters = {}): INodeParameters => ({
	operation: 'uploadToAttachmentMultiple',
	entityType: 'Case',
	field: 'attachments',
	recordMode: 'existing',
	recordId: rl(caseId),
	options,
});
const replaceFileOf = (documentId: string) => ({
	operation: 'uploadToFileField',
	entityType: 'Document',
	field: 'file',
	recordMode: 'existing',
	recordId: rl(documentId),
});

describe('faults: no answer', () => {
	test('F01 connection refused: names the host and asks whether EspoCRM runs there', async () => {
		const port = await closedPort();
		const credentials = { baseUrl: `http://127.0.0.1:${port}`, authMethod: 'apiKey' as const, apiKey: '0a1b2c3d4e5f60718293a4b5c6d7e8f9' };
		const result = await runCase({ binaryMode, credentials, parameters: appendTo('6650c0f1a2b3c4d5e'), items: [fileItem('a.txt', 'a', 'text/plain')] });
		expectFailure(result, { message: new RegExp(`Could not connect to EspoCRM at 127\\.0\\.0\\.1:${port}: connection refused`), description: /host and port.*running/ });
	});

	test('F02 DNS failure (.invalid host): says the host name was not found', async () => {
		const credentials = { baseUrl: 'https://espocrm.invalid', authMethod: 'apiKey' as const, apiKey: '0a1b2c3d4e5f60718293a4b5c6d7e8f9' };
		const result = await runCase({ binaryMode, credentials, parameters: appendTo('6650c0f1a2b3c4d5e'), items: [fileItem('a.txt', 'a', 'text/plain')] });
		expectFailure(result, { message: /Could not find the host espocrm\.invalid \(DNS lookup failed\)/, description: /host name in the Base URL/ });
	});
});

describe('faults: EspoCRM and the network fail under the node', () => {
	const emulator = useEmulator();
	afterEach(() => {
		emulator().faults.clear();
		emulator().setMaintenance(false);
	});
	const credentials = () => apiKeyCredential(emulator());

	test('F03 timeout: a request slower than "Timeout" (1 s) fails with a hint, nothing is written', async () => {
		const emu = emulator();
		const { caseId } = caseWithFile(emu, 'F03');
		emu.faults.add({ method: 'GET', path: '/Metadata', action: { delayMs: 2500 } });
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: appendTo(caseId, { timeoutSeconds: 1 }), items: [fileItem('slow.txt', 'slow', 'text/plain')] });
		expectFailure(result, { message: /EspoCRM at 127\.0\.0\.1:\d+ did not answer in time/, description: /Raise the "Timeout" option/ });
		expect(result.durationMs).toBeLessThan(2400);
		expectUnchanged(emu, before);
	});

	test('F04 the connection is reset during chunk 2: the partial upload is deleted and the whole file is sent again, once', async () => {
		const emu = emulator();
		const { caseId, existingId } = caseWithFile(emu, 'F04');
		emu.faults.add({ method: 'POST', path: CHUNK, nth: 2, action: { drop: 'mid-body' } });
		const contents = patterned(CHUNKED_SIZE, 4);
		const before = snapshot(emu);
		emu.clearLog();
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: appendTo(caseId, SMALL_CHUNKS), items: [fileItem('reset.bin', contents, 'application/octet-stream')] });
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		expect(emu.state.attachment(id)).toMatchObject({ isBeingUploaded: false, size: CHUNKED_SIZE, parentId: caseId });
		expect(emu.state.sha256(id)).toBe(sha256(contents));
		const chunks = emu.log.filter((entry) => CHUNK.test(entry.path)).map((entry) => entry.status);
		expect(chunks).toEqual([200, 0, 200, 200, 200]);
		const deletes = emu.log.filter((entry) => entry.method === 'DELETE');
		expect(deletes).toHaveLength(1);
		expect(emu.state.attachment(deletes[0].path.split('/')[2])?.deleted).toBe(true);
		expect(idsOn(emu, 'Case', caseId).sort()).toEqual([existingId, id].sort());
		expectUnchanged(emu, before, { attachments: [id], records: [`Case:${caseId}`] });
	});

	test('F05 the connection is reset on every chunk: fails after 3 attempts, names the chunk, every partial upload deleted', async () => {
		const emu = emulator();
		const { caseId } = caseWithFile(emu, 'F05');
		emu.faults.add({ method: 'POST', path: CHUNK, times: Infinity, action: { drop: 'mid-body' } });
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: appendTo(caseId, SMALL_CHUNKS), items: [fileItem('reset.bin', patterned(CHUNKED_SIZE), 'application/octet-stream')] });
		expectFailure(result, {
			message: /Uploading 'reset\.bin' failed at chunk 1 of 3 \(attempt 3 of 3\): The connection to EspoCRM at 127\.0\.0\.1:\d+ was closed in the middle of the request/,
			description: /lower the chunk size[\s\S]*partial attachment \w+ was deleted/,
		});
		expectUnchanged(emu, before);
	});

	test('F06 500 on chunk 2, once: the retry succeeds and the file is stored byte-exact', async () => {
		const emu = emulator();
		const { caseId, existingId } = caseWithFile(emu, 'F06');
		emu.faults.add({ method: 'POST', path: CHUNK, nth: 2, action: { status: 500 } });
		const contents = patterned(CHUNKED_SIZE, 6);
		const before = snapshot(emu);
		emu.clearLog();
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: appendTo(caseId, SMALL_CHUNKS), items: [fileItem('retry.bin', contents, 'application/octet-stream')] });
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		expect(emu.state.sha256(id)).toBe(sha256(contents));
		expect(emu.log.filter((entry) => CHUNK.test(entry.path)).map((entry) => entry.status)).toEqual([200, 500, 200, 200, 200]);
		expect(idsOn(emu, 'Case', caseId).sort()).toEqual([existingId, id].sort());
		expectUnchanged(emu, before, { attachments: [id], records: [`Case:${caseId}`] });
	});

	test('F07 "500 File size mismatch." on every chunk: fails after 3 attempts with EspoCRM\'s reason, nothing left behind', async () => {
		const emu = emulator();
		const { caseId } = caseWithFile(emu, 'F07');
		emu.faults.add({ method: 'POST', path: CHUNK, times: Infinity, action: { status: 500, reason: 'File size mismatch.' } });
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: appendTo(caseId, SMALL_CHUNKS), items: [fileItem('mismatch.bin', patterned(CHUNKED_SIZE), 'application/octet-stream')] });
		expectFailure(result, {
			message: /Uploading 'mismatch\.bin' failed at chunk 1 of 3 \(attempt 3 of 3\): EspoCRM had an internal error \(500\): File size mismatch\./,
			description: /EspoCRM's log[\s\S]*partial attachment \w+ was deleted/,
		});
		expectUnchanged(emu, before);
	});

	test('F08 the connection drops after EspoCRM stored chunk 2 (ambiguous): the upload starts over, one complete attachment results', async () => {
		const emu = emulator();
		const { caseId, existingId } = caseWithFile(emu, 'F08');
		emu.faults.add({ method: 'POST', path: CHUNK, nth: 2, action: { drop: 'after-handling' } });
		const contents = patterned(CHUNKED_SIZE, 8);
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: appendTo(caseId, SMALL_CHUNKS), items: [fileItem('ambiguous.bin', contents, 'application/octet-stream')] });
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		expect(emu.state.sha256(id)).toBe(sha256(contents));
		expect(newLiveAttachments(emu, before)).toEqual([id]);
		expect(idsOn(emu, 'Case', caseId).sort()).toEqual([existingId, id].sort());
		expectUnchanged(emu, before, { attachments: [id], records: [`Case:${caseId}`] });
	});

	test('F09 503 maintenance mode: says so and what to do, nothing is written', async () => {
		const emu = emulator();
		const { caseId } = caseWithFile(emu, 'F09');
		emu.setMaintenance(true);
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: appendTo(caseId), items: [fileItem('m.txt', 'm', 'text/plain')] });
		expectFailure(result, { message: /EspoCRM is in maintenance mode \(503\)/, description: /(again|retry).*(maintenance mode (is )?off|administrator)/i });
		expectUnchanged(emu, before);
	});

	test('F10 the link step fails after the upload (500 on the write): the upload is deleted, the Document keeps its file, the error says so', async () => {
		const emu = emulator();
		const { documentId, fileId } = documentWithFile(emu, 'F10');
		emu.faults.add({ method: 'PUT', path: `/Document/${documentId}`, action: { status: 500 } });
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: replaceFileOf(documentId), items: [fileItem('v2.txt', 'v2', 'text/plain')] });
		expectFailure(result, { message: /EspoCRM had an internal error \(500\)/, description: /uploaded attachment \w+ was deleted, so nothing is left behind/ });
		expect(emu.state.record('Document', documentId)?.fileId).toBe(fileId);
		expectUnchanged(emu, before);
	});

	test('F11 the link step fails and so does the clean-up delete: the error names the attachment left behind', async () => {
		const emu = emulator();
		const { documentId, fileId } = documentWithFile(emu, 'F11');
		emu.faults.add({ method: 'PUT', path: `/Document/${documentId}`, action: { status: 500 } });
		emu.faults.add({ method: 'DELETE', path: /^\/Attachment\//, action: { status: 500 } });
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: replaceFileOf(documentId), items: [fileItem('v2.txt', 'v2', 'text/plain')] });
		expectFailure(result, { message: /EspoCRM had an internal error \(500\)/, description: /uploaded attachment (\w+) could NOT be deleted .*; delete it in EspoCRM/ });
		const leftBehind = /uploaded attachment (\w+) could NOT be deleted/.exec(result.error?.description ?? '')![1];
		expect(newLiveAttachments(emu, before)).toEqual([leftBehind]);
		expect(emu.state.attachment(leftBehind)).toMatchObject({ name: 'v2.txt', relatedId: null, parentId: null });
		expect(emu.state.record('Document', documentId)?.fileId).toBe(fileId);
		expectUnchanged(emu, before, { attachments: [leftBehind] });
	});

	test('F12 maintenance mode switched on between upload and link: the link gets 503 and EspoCRM cannot be asked whether it happened, so the attachment is kept and named', async () => {
		const emu = emulator();
		const { caseId } = caseWithFile(emu, 'F12');
		emu.faults.add({ method: 'POST', path: `/Case/${caseId}/attachments`, action: { delayMs: 200 } });
		const before = snapshot(emu);
		emu.clearLog();
		const running = runCase({ binaryMode, credentials: credentials(), parameters: appendTo(caseId), items: [fileItem('late.txt', 'late', 'text/plain')] });
		await waitForRequest(emu, 'POST', /^\/Attachment$/);
		emu.setMaintenance(true);
		const result = await running;
		expectFailure(result, {
			message: /maintenance mode \(503\)/,
			description: new RegExp(`is unknown \\(no answer, or a 5xx\\), and EspoCRM could not be asked whether Case ${caseId} lists (\\w+) in 'attachments'\\. The attachment was kept: check the record\\.`),
		});
		const leftBehind = / lists (\w+) in 'attachments'/.exec(result.error?.description ?? '')![1];
		expect(newLiveAttachments(emu, before)).toEqual([leftBehind]);
		expectUnchanged(emu, before, { attachments: [leftBehind] });
	});

	test('F13 a download cut short: says so, names the attachment, gives no partial file', async () => {
		const emu = emulator();
		const attachment = emu.state.createAttachment({ name: 'long.bin', type: 'application/octet-stream', bytes: patterned(200_000), field: 'attachments', parentType: 'Case', createdBy: emu.users.apiUser.id });
		emu.faults.add({ method: 'GET', path: `/Attachment/file/${attachment.id}`, action: { drop: 'mid-body' } });
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: { operation: 'download', attachmentId: rl(attachment.id), outputBinaryField: 'data' } });
		expectFailure(result, { message: new RegExp(`'long\\.bin' \\(${attachment.id}\\) was cut short`), description: /Run the node again/ });
		expectUnchanged(emu, before);
	});

	test('F14 a web server body limit (413 from nginx, HTML) on the upload: says the file is too big for the server in one request', async () => {
		const emu = emulator();
		const { caseId } = caseWithFile(emu, 'F14');
		emu.faults.add({
			method: 'POST',
			path: '/Attachment',
			action: { status: 413, contentType: 'text/html', body: '<html><head><title>413 Request Entity Too Large</title></head><body><center><h1>413 Request Entity Too Large</h1></center><hr><center>nginx</center></body></html>' },
		});
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: appendTo(caseId), items: [fileItem('big.pdf', CONTENT.pdf, 'application/pdf')] });
		expectFailure(result, { message: /web server in front of EspoCRM answered 413: the request is too large \(POST \/Attachment\)/, description: /client_max_body_size.*"Chunk Size \(MB\)"/ });
		expectUnchanged(emu, before);
	});
});

describe('faults: optimistic concurrency (KnowledgeBaseArticle, EspoCRM 8.4, read-and-write path)', () => {
	const emulator = useEmulator({ profile: '8.4' });
	afterEach(() => emulator().faults.clear());
	const credentials = () => apiKeyCredential(emulator());

	/** A KB article with one file; its relationship endpoint answers as Note's does, so the node reads and PUTs with X-Version-Number. */
	function article(label: string): { articleId: string; existingId: string } {
		const emu = emulator();
		const existing = emu.state.createAttachment({ name: `kb ${label}.txt`, type: 'text/plain', bytes: Buffer.from(label), field: 'attachments', parentType: 'KnowledgeBaseArticle', createdBy: emu.users.apiUser.id });
		const articleId = emu.state.createRecord('KnowledgeBaseArticle', { name: `Catalogue ${label}`, attachmentsIds: [existing.id] }).id as string;
		emu.faults.add({
			method: 'POST',
			path: `/KnowledgeBaseArticle/${articleId}/attachments`,
			times: Infinity,
			action: { status: 404, reason: "Action POST 'createLink' does not exist in controller 'KnowledgeBaseArticle'.", contentType: 'application/json' },
		});
		return { articleId, existingId: existing.id };
	}
	const appendToArticle = (articleId: string) => ({ ...appendTo(articleId), entityType: 'KnowledgeBaseArticle' });

	test('F15 409 modified once (another user edits the article between read and write): re-read, retried, both changes kept', async () => {
		const emu = emulator();
		const { articleId, existingId } = article('F15');
		emu.faults.add({ method: 'PUT', path: `/KnowledgeBaseArticle/${articleId}`, action: { delayMs: 300 } });
		const before = snapshot(emu);
		emu.clearLog();
		const running = runCase({ binaryMode, credentials: credentials(), parameters: appendToArticle(articleId), items: [fileItem('kb.txt', 'kb', 'text/plain')] });
		await waitForRequest(emu, 'GET', new RegExp(`^/KnowledgeBaseArticle/${articleId}$`));
		// PATCH, so the delay rule (PUT) holds only the node's write.
		const edit = await fetch(`${emu.apiUrl}/KnowledgeBaseArticle/${articleId}`, {
			method: 'PATCH',
			headers: { 'Content-Type': 'application/json', 'Espo-Authorization': Buffer.from(`admin:${emu.users.admin.password}`).toString('base64') },
			body: JSON.stringify({ name: 'Renamed meanwhile' }),
		});
		expect(edit.status).toBe(200);
		const result = await running;
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		const puts = emu.log.filter((entry) => entry.method === 'PUT' && entry.reqHeaders['x-version-number'] !== undefined).map((entry) => entry.status);
		expect(puts).toEqual([409, 200]);
		expect(emu.state.record('KnowledgeBaseArticle', articleId)).toMatchObject({ name: 'Renamed meanwhile' });
		expect(idsOn(emu, 'KnowledgeBaseArticle', articleId).sort()).toEqual([existingId, id].sort());
		expectUnchanged(emu, before, { attachments: [id], records: [`KnowledgeBaseArticle:${articleId}`] });
	});

	test('F16 409 modified on every write: gives up after a bounded number of attempts with a clear message, the upload is deleted', async () => {
		const emu = emulator();
		const { articleId } = article('F16');
		emu.faults.add({
			method: 'PUT',
			path: `/KnowledgeBaseArticle/${articleId}`,
			times: Infinity,
			action: { status: 409, reason: 'modified', contentType: 'application/json', body: '{"values":{},"versionNumber":99}' },
		});
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: credentials(), parameters: appendToArticle(articleId), items: [fileItem('kb.txt', 'kb', 'text/plain')] });
		expectFailure(result, {
			message: new RegExp(`\\w+ is missing on KnowledgeBaseArticle ${articleId} \\('attachments'\\): the list kept changing while the node wrote to it \\(30 attempts\\)`),
			description: /Run the node again later[\s\S]*uploaded attachment \w+ was deleted/,
		});
		expectUnchanged(emu, before);
	});
});

describe('faults: a TLS certificate the machine does not trust (self-signed)', () => {
	let emu: Emulator;
	let certDir: string;
	beforeAll(async () => {
		certDir = mkdtempSync(join(tmpdir(), 'espo-catalogue-cert-'));
		execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
			'-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')], { stdio: 'ignore' });
		emu = await startEmulator({ tls: { key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) } });
	});
	afterAll(async () => {
		await emu.close();
		rmSync(certDir, { recursive: true, force: true });
	});

	test('F17 without "Ignore SSL Issues": says the certificate is not trusted and names the setting', async () => {
		const { caseId } = caseWithFile(emu, 'F17');
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: apiKeyCredential(emu), parameters: appendTo(caseId), items: [fileItem('tls.txt', 'tls', 'text/plain')] });
		expectFailure(result, { message: /TLS certificate of 127\.0\.0\.1:\d+ is not trusted/, description: /Ignore SSL Issues/ });
		expectUnchanged(emu, before);
	});

	test('F18 with "Ignore SSL Issues": the file is appended', async () => {
		const { caseId, existingId } = caseWithFile(emu, 'F18');
		const before = snapshot(emu);
		const result = await runCase({ binaryMode, credentials: { ...apiKeyCredential(emu), ignoreSslIssues: true }, parameters: appendTo(caseId), items: [fileItem('tls.txt', 'tls', 'text/plain')] });
		expect(result.error).toBeUndefined();
		const id = result.items[0].json.id as string;
		expect(idsOn(emu, 'Case', caseId).sort()).toEqual([existingId, id].sort());
		expectUnchanged(emu, before, { attachments: [id], records: [`Case:${caseId}`] });
	});
});
