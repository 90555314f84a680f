import type { IBinaryData, IDataObject, INodeParameters } from 'n8n-workflow';

import type { EspoCredentialData } from '../../credentials/espoCrmSigning';

export type BinaryMode = 'default' | 'filesystem';
export interface InputBinary { data: Buffer; fileName?: string; mimeType?: string }
export interface InputItem { json?: IDataObject; binary?: Record<string, InputBinary> }
export interface RunNodeOptions {
	binaryMode: BinaryMode;
	credentials?: EspoCredentialData | null; // null = the node gets no credential
	parameters: INodeParameters;
	items?: InputItem[]; // default [{ json: {} }]
	continueOnFail?: boolean; // onError: 'continueRegularOutput'
	nodeType?: string; // default: the package's EspoCRM Attachment node
	typeVersion?: number;
}
export interface OutputBinary { fileName?: string; mimeType: string; fileExtension?: string; bytes: Buffer; raw: IBinaryData }
export interface OutputItem { json: IDataObject; binary?: Record<string, OutputBinary>; pairedItem?: unknown; error?: unknown }
export interface RunError {
	message: string; description?: string | null; name?: string; httpCode?: string | null;
	context?: IDataObject; itemIndex?: number; raw: unknown;
}
export interface RunResult { status: string; items: OutputItem[]; error?: RunError; logs: string[]; durationMs: number }
