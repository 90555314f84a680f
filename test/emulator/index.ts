// A faithful EspoCRM stand-in for tests (issue #3): start it, point a client at `apiUrl`, read its state.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { Acl } from './acl';
import { DEFAULT_SETTINGS, type EmulatorSettings, type Services } from './context';
import { controlSurface } from './control';
import type { FaultRule } from './faults';
import { espoDateTime } from './http';
import { type Profile, type ProfileName, resolveProfile } from './profiles';
import { createRecord, OCC_RACE_WINDOW_MS, recordView } from './records';
import { type RequestLogEntry, EmulatorServer } from './server';
import { type AttachmentRow, newId, Store } from './store';
import { ALL_USERS, findUser, USERS } from './users';
import { type Delivery, type QueueItem, WebhookHub, type WebhookRow } from './webhooks';

export type { FaultAction, FaultRule } from './faults';
export type { RequestLogEntry } from './server';
export type { AttachmentRow } from './store';
export type { EmulatorUser } from './users';
export { USERS } from './users';
export type { Delivery, QueueItem, WebhookRow } from './webhooks';

export interface EmulatorOptions {
	/** Default: `ESPOCRM_PROFILE`, else '8.4' (profiles.ts). */
	profile?: ProfileName;
	/** A pre-8.4.1 server: only the raw-digest HMAC is accepted. */
	legacyHmacOnly?: boolean;
	/** A pre-7.2 server: no chunk route, no `attachmentUploadChunkSize`. */
	noChunkEndpoint?: boolean;
	/** Default 0 = a free port. */
	port?: number;
	/** Sub-directory install, e.g. '/crm' (API at /crm/api/v1). Default ''. */
	basePath?: string;
	/** Default: a new mkdtemp dir, removed on close(). */
	storageDir?: string;
	/** Serve HTTPS instead of HTTP. */
	tls?: { key: string | Buffer; cert: string | Buffer };
	/** Added to every API request. */
	latencyMs?: number;
	settings?: Partial<EmulatorSettings>;
	/** Default true: the demo records of `Emulator.seed`. */
	seed?: boolean;
	/** 9.1+ profiles: ms between an OCC update's version check and its write (default `OCC_RACE_WINDOW_MS`, observed §9). */
	occRaceWindowMs?: number;
}

export interface NewAttachment {
	name: string;
	type?: string | null;
	bytes: Buffer;
	field: string;
	parentType?: string;
	relatedType?: string;
	/** A user key, id or user name; default admin. */
	createdBy?: string;
}

export interface EmulatorState {
	/** Every attachment row, deleted ones included (`deleted: true`). */
	attachments(): AttachmentRow[];
	attachment(id: string): AttachmentRow | undefined;
	/** The stored file of the attachment (shared through `sourceId` for copies). */
	bytes(id: string): Buffer;
	sha256(id: string): string;
	hasFile(id: string): boolean;
	fileSize(id: string): number;
	/** As an admin GET would show it (deleted records too), incl. `<f>Ids`/`<f>Names`. */
	record(entityType: string, id: string): Record<string, unknown> | undefined;
	records(entityType: string): Record<string, unknown>[];
	/** Creates like `POST {entityType}` as that user (default admin), skipping the duplicate check. */
	createRecord(entityType: string, data: Record<string, unknown>, asUser?: string): Record<string, unknown>;
	createAttachment(a: NewAttachment): AttachmentRow;
	deleteRecord(entityType: string, id: string): void;
}

export interface SeedIds {
	caseId: string;
	caseAttachmentId: string;
	documentId: string;
	documentFileId: string;
	accountId: string;
	noteId: string;
	inspectionId: string;
	/** A CWorkOrder (custom, OCC on, no relationship endpoint). */
	workOrderId: string;
}

export interface Emulator {
	/** Site root, e.g. http://127.0.0.1:41234 (+ basePath). */
	url: string;
	/** url + '/api/v1'. */
	apiUrl: string;
	port: number;
	/** The profile's name, e.g. '9.3'. */
	profile: ProfileName;
	/** The whole profile: `version` ('9.3.10'), `atLeast('9.2')`, `basis`, the behaviour flags. */
	profileInfo: Profile;
	users: typeof USERS;
	/** Ids of the demo records; null when started with `seed: false`. */
	seed: SeedIds | null;
	state: EmulatorState;
	faults: { add(rule: FaultRule): void; clear(): void };
	log: RequestLogEntry[];
	clearLog(): void;
	setMaintenance(on: boolean): void;
	setSettings(settings: Partial<EmulatorSettings>): void;
	setLatency(ms: number): void;
	setLockout(on: boolean): void;
	webhooks: EmulatorWebhooks;
	/** 9.1+ profiles: ms between an OCC update's version check and its write (observed §9). */
	setOccRaceWindow(ms: number): void;
	/** How many auth tokens of password logins are active (not yet given back with `App/destroyAuthToken`). */
	activeAuthTokens(): number;
	close(): Promise<void>;
}

/** Webhooks (observed §10): what an admin would configure, the job, and what was sent. */
export interface EmulatorWebhooks {
	/** The admin grants (or revokes) `"Webhook": true` in the user's role (observed §10.02). */
	grant(userRef: string, on?: boolean): void;
	/** `webhookAllowedAddressList` (9.3.2+): exact `host:port` entries. */
	setAllowedAddresses(list: string[]): void;
	/** One run of the `ProcessWebhookQueue` job; resolves when every POST of the run was answered. */
	runJob(): Promise<Delivery[]>;
	/** Moves the job's clock forward (a failed delivery waits 10 minutes). */
	advanceClock(ms: number): void;
	/** Live webhooks (not deleted), with their secret keys. */
	list(): WebhookRow[];
	/** Queue items (per webhook) with status, attempts, processAt. */
	queue(): QueueItem[];
	/** Events raised but not yet expanded by a job run. */
	pendingEvents(): number;
	/** Every delivery attempt so far. */
	deliveries(): Delivery[];
}

function attachmentOf(store: Store, id: string): AttachmentRow {
	const row = store.attachments.get(id);
	if (!row) throw new Error(`No attachment ${id}`);
	return row;
}

function buildState(services: Services): EmulatorState {
	const { store } = services;
	const asUser = (ref = 'admin') => {
		const user = findUser(ref);
		if (!user) throw new Error(`No emulator user '${ref}'`);
		return { ...services, user, acl: new Acl(user, store) };
	};
	return {
		attachments: () => [...store.attachments.values()].map((row) => ({ ...row })),
		attachment: (id) => {
			const row = store.attachments.get(id);
			return row && { ...row };
		},
		bytes: (id) => store.readFile(attachmentOf(store, id)),
		sha256: (id) => store.sha256(attachmentOf(store, id)),
		hasFile: (id) => store.hasFile(attachmentOf(store, id)),
		fileSize: (id) => store.fileSize(attachmentOf(store, id)),
		record: (entityType, id) => {
			const row = store.table(entityType).get(id);
			return row && recordView(services, entityType, row);
		},
		records: (entityType) => [...store.table(entityType).values()].filter((row) => !row.deleted).map((row) => recordView(services, entityType, row)),
		createRecord: (entityType, data, ref) => createRecord(asUser(ref), entityType, { ...data }, { skipDuplicateCheck: true }),
		createAttachment: (a) => {
			const creator = asUser(a.createdBy).user;
			const row: AttachmentRow = {
				id: newId(),
				name: a.name,
				deleted: false,
				type: a.type ?? null,
				size: a.bytes.length,
				field: a.field,
				isBeingUploaded: false,
				createdAt: espoDateTime(),
				modifiedAt: espoDateTime(),
				role: 'Attachment',
				storage: 'EspoUploadDir',
				storageFilePath: null,
				global: false,
				parentId: null,
				parentType: a.parentType ?? null,
				relatedId: null,
				relatedType: a.parentType ? null : (a.relatedType ?? null),
				sourceId: null,
				createdById: creator.id,
			};
			store.writeFile(row, a.bytes);
			store.attachments.set(row.id, row);
			return { ...row };
		},
		deleteRecord: (entityType, id) => {
			const row = store.table(entityType).get(id);
			if (row) row.deleted = true;
		},
	};
}

/** Users exist as User records too, so `GET User/{id}` and `User.avatar` work (observed §5.11). */
function seedUsers(store: Store): void {
	for (const user of ALL_USERS) {
		store.table('User').set(user.id, {
			id: user.id,
			deleted: false,
			userName: user.userName,
			name: user.name,
			type: user.type,
			createdAt: '2026-01-01 00:00:00',
			modifiedAt: '2026-01-01 00:00:00',
		});
	}
}

function seedDemo(state: EmulatorState): SeedIds {
	const text = (s: string) => Buffer.from(s, 'utf8');
	const accountId = state.createRecord('Account', { name: 'Demo Account', website: 'https://example.com' }).id as string;
	const caseAttachment = state.createAttachment({ name: 'existing.txt', type: 'text/plain', bytes: text('an existing attachment\n'), field: 'attachments', parentType: 'Case' });
	const caseId = state.createRecord('Case', { name: 'Demo Case', accountId, attachmentsIds: [caseAttachment.id] }).id as string;
	const documentFile = state.createAttachment({ name: 'demo.txt', type: 'text/plain', bytes: text('the demo document\n'), field: 'file', relatedType: 'Document' });
	const documentId = state.createRecord('Document', { name: 'Demo Document', publishDate: '2026-01-01', fileId: documentFile.id }).id as string;
	const noteId = state.createRecord('Note', { type: 'Post', post: 'Demo post', parentType: 'Case', parentId: caseId }).id as string;
	const inspectionId = state.createRecord('CInspection', { name: 'Demo Inspection' }).id as string;
	const workOrderId = state.createRecord('CWorkOrder', { name: 'Demo Work Order' }).id as string;
	return { caseId, caseAttachmentId: caseAttachment.id, documentId, documentFileId: documentFile.id, accountId, noteId, inspectionId, workOrderId };
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
	const profile = resolveProfile(options);
	const ownsStorage = !options.storageDir;
	const storageDir = options.storageDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'espocrm-emulator-'));
	fs.mkdirSync(storageDir, { recursive: true });
	const basePath = (options.basePath ?? '').replace(/\/+$/, '');
	const settings: EmulatorSettings = { ...DEFAULT_SETTINGS, ...options.settings };
	const services: Services = { store: new Store(storageDir), profile, settings, siteUrl: '', authTokens: new Map(), occRaceWindowMs: options.occRaceWindowMs ?? OCC_RACE_WINDOW_MS };
	const hub = new WebhookHub(services);
	services.webhooks = hub;

	let emulator: Emulator | undefined;
	const server = new EmulatorServer(services, basePath, controlSurface(() => emulator!));
	server.latencyMs = options.latencyMs ?? 0;
	const httpServer = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, server.listener) : http.createServer(server.listener);
	httpServer.requestTimeout = 0;
	await new Promise<void>((resolve, reject) => {
		httpServer.once('error', reject);
		httpServer.listen(options.port ?? 0, '127.0.0.1', () => resolve());
	});
	const { port } = httpServer.address() as AddressInfo;
	const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}${basePath}`;
	services.siteUrl = url;

	const state = buildState(services);
	seedUsers(services.store);
	const seed = options.seed === false ? null : seedDemo(state);

	emulator = {
		url,
		apiUrl: `${url}/api/v1`,
		port,
		profile: profile.name,
		profileInfo: profile,
		users: USERS,
		seed,
		state,
		faults: { add: (rule) => server.faults.add(rule), clear: () => server.faults.clear() },
		log: server.log,
		clearLog: () => {
			server.log.length = 0;
		},
		setMaintenance: (on) => {
			server.maintenance = on;
		},
		setSettings: (patch) => Object.assign(settings, patch),
		setLatency: (ms) => {
			server.latencyMs = ms;
		},
		activeAuthTokens: () => services.authTokens.size,
		setOccRaceWindow: (ms) => {
			services.occRaceWindowMs = ms;
		},
		setLockout: (on) => {
			server.auth.lockoutEnabled = on;
			server.auth.resetFailures();
		},
		webhooks: {
			grant: (ref, on = true) => {
				const user = findUser(ref);
				if (!user) throw new Error(`No emulator user '${ref}'`);
				hub.grant(user.id, on);
			},
			setAllowedAddresses: (list) => {
				hub.allowedAddresses = [...list];
			},
			runJob: () => hub.runJob(),
			advanceClock: (ms) => hub.advanceClock(ms),
			list: () => hub.live(),
			queue: () => hub.queue.map((item) => ({ ...item })),
			pendingEvents: () => hub.events.length,
			deliveries: () => [...hub.deliveries],
		},
		close: async () => {
			await new Promise<void>((resolve) => {
				httpServer.close(() => resolve());
				httpServer.closeAllConnections();
			});
			if (ownsStorage) fs.rmSync(storageDir, { recursive: true, force: true });
		},
	};
	return emulator;
}

