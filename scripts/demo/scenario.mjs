// The demo's files and the items that stand in for each example's trigger. Shared by `npm start`
// (scripts/demo.ts, in-process) and `npm run test:e2e` (scripts/e2e.mjs, real n8n), so both send
// the same bytes and check the same hashes.
import { createHash } from 'node:crypto';

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** A small but well-formed one-page PDF. */
function contractPdf() {
	const content = 'BT /F1 18 Tf 72 770 Td (Contract ACME / n8n-nodes-espocrm-attachments demo) Tj ET';
	const objects = [
		'<< /Type /Catalog /Pages 2 0 R >>',
		'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
		'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
		`<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
		'<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
	];
	let pdf = '%PDF-1.4\n';
	const offsets = objects.map((body, i) => {
		const at = pdf.length;
		pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
		return at;
	});
	const xref = pdf.length;
	pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
	pdf += offsets.map((at) => `${String(at).padStart(10, '0')} 00000 n \n`).join('');
	pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
	return Buffer.from(pdf, 'latin1');
}

/** Deterministic bytes that do not compress: a "photo" that is not all zeros. */
function pseudoRandomBytes(length, seed) {
	const out = Buffer.alloc(length);
	let x = seed >>> 0;
	for (let i = 0; i < length; i++) {
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		out[i] = x & 0xff;
	}
	return out;
}

const JPEG_HEADER = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]);

/** The files the demo sends: one for the Document, two for the Case. */
export const FILES = {
	contract: { fileName: 'contract-acme.pdf', mimeType: 'application/pdf', data: contractPdf() },
	photo: {
		fileName: 'damage-photo.jpg',
		mimeType: 'image/jpeg',
		data: Buffer.concat([JPEG_HEADER, pseudoRandomBytes(150_000, 2026), Buffer.from([0xff, 0xd9])]),
	},
	report: {
		// A non-ASCII name: EspoCRM stores it as UTF-8 and the node must keep it on the way back.
		fileName: 'Schadensbericht März.txt',
		mimeType: 'text/plain',
		data: Buffer.from('Schadensbericht\n\nDatum: 2026-01-31\nSchaden: Wasserschaden im Lager, Regal 3–5.\n', 'utf8'),
	},
};

export const DOCUMENT_FIELDS = { name: 'Contract ACME (n8n demo)', publishDate: '2026-01-31' };

/** What n8n's Webhook node (v2, multipart form) emits for `curl -F file=@… -F name=… -F publishDate=…`. */
export function webhookItems() {
	return [
		{
			json: {
				headers: { 'content-type': 'multipart/form-data; boundary=----n8n-demo', 'user-agent': 'curl/8.5.0' },
				params: {},
				query: {},
				body: { ...DOCUMENT_FIELDS },
			},
			binary: { file: FILES.contract },
		},
	];
}

const emailJson = (caseId) => ({
	subject: `Re: [Case ${caseId}] Water damage in the warehouse`,
	from: 'Customer <customer@example.com>',
	to: 'support@example.com',
	date: '2026-01-31T09:12:00.000Z',
	textPlain: 'Hello, the photo and our report are attached.',
});

/** What n8n's IMAP trigger (simple format, attachments downloaded) emits for one email. */
export const emailItems = (caseId) => [{ json: emailJson(caseId), binary: { attachment_0: FILES.photo, attachment_1: FILES.report } }];

/** What n8n's Split Out ($binary, all other fields) makes of that email: one item per attachment. */
export const emailAttachmentItems = (caseId) => [
	{ json: emailJson(caseId), binary: { attachment_0: FILES.photo } },
	{ json: emailJson(caseId), binary: { attachment_1: FILES.report } },
];

/** What the Split Out after the Case list emits: one item per Case. */
export const caseItems = (caseId) => [{ json: { id: caseId, name: 'Demo Case' } }];

/** The input of examples/demo-download-record-files.json. */
export const recordItems = (entityType, field, id) => [{ json: { entityType, field, id } }];

/** The example workflows the demo and the e2e run, with the node their items stand in for. */
export const STEPS = {
	document: { file: 'webhook-document.json', trigger: 'Webhook' },
	email: { file: 'email-to-case.json', trigger: 'One Item per Attachment' },
	caseDownloads: { file: 'schedule-case-downloads.json', trigger: 'One Item per Case' },
	recordDownloads: { file: 'demo-download-record-files.json', trigger: 'Records to Read' },
};
