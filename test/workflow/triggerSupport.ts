// Changes to EspoCRM made the way users and other integrations make them: over HTTP, as the API user.
import type { Emulator } from '../emulator';
import type { Execution } from '../harness/trigger';

export interface Espo {
	request<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T; reason: string | null }>;
	/** `POST Attachment` for a field; returns the attachment id. */
	upload(name: string, text: string, target: { parentType?: string; relatedType?: string; field: string }): Promise<string>;
}

export function espoAs(emulator: Emulator, apiKey = emulator.users.apiUser.apiKey!): Espo {
	const request = async <T>(method: string, path: string, body?: unknown) => {
		const response = await fetch(`${emulator.apiUrl}/${path}`, {
			method,
			headers: { 'X-Api-Key': apiKey, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await response.text();
		return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, reason: response.headers.get('x-status-reason') };
	};
	return {
		request,
		upload: async (name, text, target) => {
			const file = `data:text/plain;base64,${Buffer.from(text).toString('base64')}`;
			const answer = await request<{ id: string }>('POST', 'Attachment', { name, type: 'text/plain', role: 'Attachment', file, ...target });
			if (answer.status !== 200) throw new Error(`upload ${name}: ${answer.status} ${answer.reason}`);
			return answer.body.id;
		},
	};
}

/** What came out of these executions: one line per item, `event record field attachmentName bytes`. */
export function emitted(executions: Execution[]): string[] {
	return executions.flatMap((execution) =>
		execution.items.map((item) => {
			const json = item.json as { event: string; record: { id: string }; field: string; attachment: { id: string; name: string } };
			const bytes = item.binary?.data?.bytes.toString('utf8') ?? '<no binary>';
			return `${json.event} ${json.record.id} ${json.field} ${json.attachment.name} ${bytes}`;
		}),
	);
}
