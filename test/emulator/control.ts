// The HTTP control surface for other processes (bench, e2e, demo): `/__emulator/...`, no auth,
// outside `/api/v1`. Every answer is JSON.
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { EmulatorSettings } from './context';
import { faultRuleFromJson, type FaultRuleJson } from './faults';
import type { Emulator } from './index';

function send(res: ServerResponse, status: number, value: unknown): void {
	res.statusCode = status;
	res.setHeader('Content-Type', 'application/json');
	res.end(JSON.stringify(value));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
	const parts: Buffer[] = [];
	for await (const chunk of req) parts.push(chunk as Buffer);
	const text = Buffer.concat(parts).toString('utf8');
	return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export function controlSurface(emulator: () => Emulator) {
	return async (req: IncomingMessage, res: ServerResponse, path: string, query: string): Promise<void> => {
		const em = emulator();
		const method = req.method ?? 'GET';
		const parts = path.split('/').filter(Boolean).slice(1).map(decodeURIComponent); // after "__emulator"
		const route = `${method} ${parts.join('/')}`;
		try {
			if (route === 'GET state/attachments') return send(res, 200, em.state.attachments());
			if (method === 'GET' && parts[0] === 'state' && parts[1] === 'attachments' && parts.length === 3) {
				const row = em.state.attachment(parts[2]);
				if (!row) return send(res, 404, { error: 'no such attachment' });
				const hasFile = em.state.hasFile(parts[2]);
				return send(res, 200, { ...row, fileSize: hasFile ? em.state.fileSize(parts[2]) : null, sha256: hasFile ? em.state.sha256(parts[2]) : null });
			}
			if (method === 'GET' && parts[0] === 'state' && parts[1] === 'records' && parts.length === 4) {
				const record = em.state.record(parts[2], parts[3]);
				return record ? send(res, 200, record) : send(res, 404, { error: 'no such record' });
			}
			if (method === 'GET' && parts[0] === 'state' && parts[1] === 'records' && parts.length === 3) {
				return send(res, 200, em.state.records(parts[2]));
			}
			if (route === 'GET seed') return send(res, 200, em.seed);
			if (route === 'GET users') return send(res, 200, em.users);
			if (route === 'GET log') {
				const since = Number(new URLSearchParams(query).get('since') ?? 0);
				return send(res, 200, em.log.slice(since));
			}
			if (route === 'GET log/count') return send(res, 200, { count: em.log.length });
			if (route === 'POST reset-log') {
				em.clearLog();
				return send(res, 200, true);
			}
			if (route === 'POST latency') {
				em.setLatency(Number((await readJson(req)).ms ?? 0));
				return send(res, 200, true);
			}
			if (route === 'POST faults') {
				const body = await readJson(req);
				const rules = (Array.isArray(body.rules) ? body.rules : [body]) as FaultRuleJson[];
				rules.forEach((rule) => em.faults.add(faultRuleFromJson(rule)));
				return send(res, 200, true);
			}
			if (route === 'DELETE faults') {
				em.faults.clear();
				return send(res, 200, true);
			}
			if (route === 'POST maintenance') {
				em.setMaintenance(Boolean((await readJson(req)).on));
				return send(res, 200, true);
			}
			if (route === 'POST lockout') {
				em.setLockout(Boolean((await readJson(req)).on));
				return send(res, 200, true);
			}
			if (route === 'POST settings') {
				em.setSettings((await readJson(req)) as Partial<EmulatorSettings>);
				return send(res, 200, true);
			}
			// Webhooks (observed §10).
			if (route === 'POST webhooks/run-job') return send(res, 200, await em.webhooks.runJob());
			if (route === 'POST webhooks/grant') {
				const body = await readJson(req);
				em.webhooks.grant(String(body.user ?? 'apiUser'), body.on !== false);
				return send(res, 200, true);
			}
			if (route === 'POST webhooks/allowed-addresses') {
				em.webhooks.setAllowedAddresses(((await readJson(req)).list as string[]) ?? []);
				return send(res, 200, true);
			}
			if (route === 'POST webhooks/advance-clock') {
				em.webhooks.advanceClock(Number((await readJson(req)).ms ?? 0));
				return send(res, 200, true);
			}
			if (route === 'GET webhooks') return send(res, 200, { webhooks: em.webhooks.list(), queue: em.webhooks.queue(), pendingEvents: em.webhooks.pendingEvents() });
			if (route === 'GET webhooks/deliveries') return send(res, 200, em.webhooks.deliveries());
			send(res, 404, { error: `unknown control route ${route}` });
		} catch (error) {
			send(res, 400, { error: error instanceof Error ? error.message : String(error) });
		}
	};
}
