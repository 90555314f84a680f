// `npm start`: the example workflows (examples/*.json) through the real n8n engine, in-process
// (n8n-core's WorkflowExecute, this package loaded from dist/ as n8n loads a community package),
// against the EspoCRM emulator, or against your EspoCRM when ESPOCRM_URL and credentials are set.
// Each trigger is replaced by the items it would emit; the checks compare sha256 hashes of what was
// sent, what came back, and what EspoCRM stores. Exit code 1 when a check fails.
import { readFileSync } from 'fs';
import { join, resolve } from 'path';

import { shutdownHarness } from '../test/harness';
import type { InputItem, OutputItem } from '../test/harness/types';
import { runAsTool } from '../test/harness/tool';
import { runWorkflow, type WorkflowFile, type WorkflowRunResult } from '../test/harness/workflow';
import {
	caseItems, DOCUMENT_FIELDS, emailAttachmentItems, FILES, recordItems, sha256, STEPS, webhookItems,
} from './demo/scenario.mjs';
import { demoTarget, type DemoTarget } from './demo/target';

const ROOT = resolve(__dirname, '..');
const versionOf = (packageJson: string) => (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;

const checks: Array<{ ok: boolean; label: string }> = [];
function check(ok: boolean, label: string, detail = ''): boolean {
	checks.push({ ok, label });
	console.log(`    ${ok ? '✓' : '✗'} ${label}${detail ? `  ${detail}` : ''}`);
	return ok;
}

const short = (hash: string) => hash.slice(0, 12);
const size = (bytes: number) => (bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} kB`);

async function runStep(
	number: number,
	step: { file: string; trigger: string },
	items: InputItem[],
	target: DemoTarget,
	what: string,
): Promise<WorkflowRunResult> {
	const workflow = JSON.parse(readFileSync(join(ROOT, 'examples', step.file), 'utf8')) as WorkflowFile;
	console.log(`\n${number}. examples/${step.file}  "${workflow.name}"`);
	console.log(`   "${step.trigger}" replaced by ${what}`);
	const result = await runWorkflow(workflow, { triggerItems: items, credentials: target.credentials, trigger: step.trigger });
	const failure = result.error ? `: ${result.error.node ? `${result.error.node}: ` : ''}${result.error.message} ${result.error.description ?? ''}` : '';
	check(result.status === 'success', `ran (${result.status}) in ${result.durationMs} ms, last node "${result.lastNode}" gave ${result.items.length} item(s)${failure}`);
	return result;
}

/** The downloaded file with this name, checked against what was sent and what EspoCRM stores. */
async function checkDownloaded(items: OutputItem[], sent: { fileName: string; data: Buffer }, target: DemoTarget): Promise<void> {
	const item = items.find((i) => i.binary?.data?.fileName === sent.fileName);
	const sentHash = sha256(sent.data);
	if (!check(Boolean(item), `${sent.fileName} downloaded`)) return;
	const gotHash = sha256(item!.binary!.data.bytes);
	check(gotHash === sentHash, `${sent.fileName}: sha256 of the download equals what was sent`, `${short(gotHash)} / ${short(sentHash)}`);
	const stored = await target.storedSha256(String(item!.json.id));
	check(stored === sentHash, `${sent.fileName}: sha256 stored in EspoCRM equals what was sent (${target.storedShaSource})`, short(stored));
}

const loadedAfter = process.uptime(); // imports done: n8n-core and the package are loaded

async function main(): Promise<void> {
	console.log(`EspoCRM Attachment demo: example workflows through n8n-core ${versionOf(require.resolve('n8n-core/package.json'))} (WorkflowExecute, in-process),`);
	console.log(`n8n-nodes-espocrm-attachments ${versionOf(join(ROOT, 'package.json'))} loaded from dist/ as n8n loads a community package.`);
	const target = await demoTarget(process.env);
	console.log(`Target: ${target.description}`);
	const created = { records: [] as Array<{ entityType: string; id: string }>, attachmentIds: [] as string[] };
	try {
		// 1. Webhook → new Document with the file in its File field.
		const document = await runStep(1, STEPS.document, webhookItems(), target, `1 item: ${FILES.contract.fileName} (${size(FILES.contract.data.length)}) + name, publishDate`);
		const uploaded = document.items[0]?.json as { id?: string; record?: { id?: string } } | undefined;
		const documentId = uploaded?.record?.id;
		if (uploaded?.id) created.attachmentIds.push(uploaded.id);
		if (documentId) created.records.push({ entityType: 'Document', id: documentId });
		if (check(Boolean(documentId && uploaded?.id), `Document ${documentId} created with attachment ${uploaded?.id}`)) {
			const record = await target.readRecord('Document', documentId!);
			check(record.fileId === uploaded!.id, 'the Document\'s File field (fileId) holds the uploaded attachment');
			check(
				record.name === DOCUMENT_FIELDS.name && record.publishDate === DOCUMENT_FIELDS.publishDate,
				'name and publishDate from the webhook are on the Document', `"${String(record.name)}", ${String(record.publishDate)}`,
			);
		}

		// 2. Email attachments → appended to the Case, keeping the file it has.
		const before = (await target.readRecord('Case', target.caseId)).attachmentsIds as string[];
		const email = await runStep(2, STEPS.email, emailAttachmentItems(target.caseId), target,
			`2 items, as Split Out gives them for one email: ${FILES.photo.fileName} (${size(FILES.photo.data.length)}), ${FILES.report.fileName}`);
		const newIds = email.items.map((i) => String(i.json.id));
		created.attachmentIds.push(...newIds);
		const after = (await target.readRecord('Case', target.caseId)).attachmentsIds as string[];
		check(before.every((id) => after.includes(id)), `the Case keeps the ${before.length} file(s) it had`, before.join(', '));
		check(newIds.length === 2 && newIds.every((id) => after.includes(id)), `the Case has the 2 new files`, newIds.join(', '));
		check(after.length === before.length + 2, `the Case has ${after.length} files`);

		// 3. Download every file of the Case (the scheduled example, from its "One Item per Case").
		const downloads = await runStep(3, STEPS.caseDownloads, caseItems(target.caseId), target, `1 item: the demo Case ${target.caseId}`);
		check(downloads.items.length === after.length, `one item per file of the Case (${downloads.items.length})`);
		for (const sent of [FILES.photo, FILES.report]) await checkDownloaded(downloads.items, sent, target);
		for (const id of before) {
			const item = downloads.items.find((i) => i.json.id === id);
			const got = item?.binary?.data ? sha256(item.binary.data.bytes) : 'missing';
			check(got === (await target.storedSha256(id)), `the file the Case had (${String(item?.json.name ?? id)}) downloads unchanged`, short(got));
		}

		// 4. Download the Document's file back.
		if (documentId) {
			const back = await runStep(4, STEPS.recordDownloads, recordItems('Document', 'file', documentId), target, `1 item: {entityType: Document, field: file, id: ${documentId}}`);
			await checkDownloaded(back.items, FILES.contract, target);
		}

		// 5. The AI agent example's three tools, called through n8n's tool path with the arguments a
		//    model would give ($fromAI); the chat model and the agent's reasoning are not part of it.
		const agentExample = JSON.parse(readFileSync(join(ROOT, 'examples', 'ai-agent-tool.json'), 'utf8')) as WorkflowFile;
		console.log(`\n5. examples/ai-agent-tool.json  "${agentExample.name}"`);
		console.log('   its three EspoCRM tools called as the AI Agent calls them, with the arguments a model would give (no model)');
		const toolParameters = (name: string) => agentExample.nodes.find((node) => node.name === name)!.parameters;
		const listed = await runAsTool({ parameters: toolParameters('List a Case\'s Files'), calls: [{ id: 'list', args: { caseId: target.caseId } }], credentials: target.credentials });
		const files = JSON.parse(listed.observations.list ?? '[]') as Array<{ id?: string; name?: string; size?: number; error?: string }>;
		check(files.length === after.length && files.every((file) => after.includes(String(file.id))), `"List a Case's Files" (caseId ${target.caseId}): the agent reads ${files.length} files`, files.map((file) => file.error ?? `${file.name} ${file.size} B`).join(', '));
		const biggest = [...files].sort((a, b) => (b.size ?? 0) - (a.size ?? 0))[0];
		if (biggest?.id) {
			const got = await runAsTool({ parameters: toolParameters('Get an Attachment'), calls: [{ id: 'get', args: { attachmentId: biggest.id } }], credentials: target.credentials });
			const [details] = JSON.parse(got.observations.get ?? '[]') as Array<{ id?: string; name?: string; error?: string }>;
			check(details?.id === biggest.id, `"Get an Attachment" (attachmentId ${biggest.id}): the agent reads its details`, details?.error ?? String(details?.name));
		}
		// A tool call carries no binary: the note is a file made from the text the model writes (File Source Text).
		const note = { fileName: 'agent-call-summary.md', text: '# Call summary\n\nThe customer sent a photo and a report; both are on the Case. Next step: reply by Friday.\n', mimeType: 'text/markdown' };
		const added = await runAsTool({ parameters: toolParameters('Add a Note to a Case'), calls: [{ id: 'note', args: { caseId: target.caseId, ...note } }], credentials: target.credentials });
		const [newNote] = JSON.parse(added.observations.note ?? '[]') as Array<{ id?: string; name?: string; size?: number; error?: string; details?: string }>;
		if (newNote?.id) created.attachmentIds.push(newNote.id);
		const withNote = (await target.readRecord('Case', target.caseId)).attachmentsIds as string[];
		check(Boolean(newNote?.id) && withNote.length === after.length + 1 && [...after, newNote.id].every((id) => withNote.includes(String(id))), `"Add a Note to a Case" (caseId ${target.caseId}, ${note.fileName}): the Case has its ${after.length} files and the note`, newNote?.error ? `${newNote.error} ${newNote.details ?? ''}` : String(newNote?.id));
		if (newNote?.id) {
			const stored = await target.storedSha256(newNote.id);
			check(stored === sha256(Buffer.from(note.text, 'utf8')), `${note.fileName}: sha256 stored in EspoCRM equals the UTF-8 bytes of the model's text (${target.storedShaSource})`, short(stored));
		}
	} finally {
		const removed = await target.cleanUp(created);
		console.log('\nClean-up:');
		for (const line of removed) console.log(`  ${line}`);
		await target.close();
		await shutdownHarness();
	}

	const failed = checks.filter((c) => !c.ok);
	console.log('\nSummary');
	console.log(`  uploaded: ${[FILES.contract, FILES.photo, FILES.report].map((f) => `${f.fileName} (${size(f.data.length)}, sha256 ${short(sha256(f.data))})`).join('; ')}`);
	console.log(`  records:  Document ${created.records.find((r) => r.entityType === 'Document')?.id ?? '(none)'}, Case ${target.caseId}`);
	console.log(`  checks:   ${checks.length - failed.length}/${checks.length} passed${failed.length ? ` — FAILED: ${failed.map((c) => c.label).join('; ')}` : ' ✓'}`);
	console.log(`  time:     ${process.uptime().toFixed(1)} s (${loadedAfter.toFixed(1)} s of it loading n8n-core and the package)`);
	if (!process.env.ESPOCRM_URL) {
		console.log('\nAgainst your EspoCRM: ESPOCRM_URL=https://crm.example.com ESPOCRM_API_KEY=… npm start');
		console.log('(or ESPOCRM_HMAC_KEY + ESPOCRM_HMAC_SECRET, or ESPOCRM_USERNAME + ESPOCRM_PASSWORD). In real n8n: npm run test:e2e');
	}
	process.exitCode = failed.length ? 1 : 0;
}

main().catch((error: unknown) => {
	const detail = error instanceof Error ? (process.env.DEBUG ? error.stack : error.message) : String(error);
	console.error(`\n✗ The demo stopped: ${detail}`);
	process.exitCode = 1;
});
