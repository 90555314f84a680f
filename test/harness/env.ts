// Imported before anything from n8n: n8n-core reads these while its modules load (InstanceSettings
// writes `<N8N_USER_FOLDER>/.n8n/config` with an encryption key on first use).
import 'reflect-metadata';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

export const HARNESS_DIR = mkdtempSync(join(tmpdir(), 'espo-n8n-harness-'));

process.env.N8N_USER_FOLDER = HARNESS_DIR;
process.env.N8N_BINARY_DATA_STORAGE_PATH = join(HARNESS_DIR, 'binary-data');
process.env.N8N_RUNNERS_ENABLED = 'false';
process.env.N8N_DIAGNOSTICS_ENABLED = 'false';
