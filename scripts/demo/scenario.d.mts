// Types of scenario.mjs (plain JavaScript, so that scripts/e2e.mjs can import it without tsx).
import type { InputItem } from '../../test/harness/types';

export interface DemoFile { fileName: string; mimeType: string; data: Buffer }

export function sha256(bytes: Buffer): string;
export const FILES: { contract: DemoFile; photo: DemoFile; report: DemoFile };
export const DOCUMENT_FIELDS: { name: string; publishDate: string };
export function webhookItems(): InputItem[];
export function emailItems(caseId: string): InputItem[];
export function emailAttachmentItems(caseId: string): InputItem[];
export function caseItems(caseId: string): InputItem[];
export function recordItems(entityType: string, field: string, id: string): InputItem[];
export const STEPS: Record<'document' | 'email' | 'caseDownloads' | 'recordDownloads', { file: string; trigger: string }>;
