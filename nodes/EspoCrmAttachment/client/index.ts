import type { IDataObject } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { apiRootOf, tokenHeadersFor, type EspoCredentialData } from '../../../credentials/espoCrmSigning';
import { Attachments } from './attachments';
import { espoApiError, notTheApiError } from './errors';
import {
	apiPath,
	CREDENTIAL_TYPE,
	failureOf,
	header,
	readText,
	sendRequest,
	type BinaryStream,
	type Connection,
	type EspoContext,
	type EspoRequest,
	type RawResponse,
} from './http';
import { isHtml } from './errors';
import {
	entityTypesWithFiles,
	fieldDefsFrom,
	requireAttachmentField,
	serverSettingsFrom,
	type AttachmentField,
	type AttachmentFieldType,
	type FieldDefs,
	type ServerSettings,
} from './metadata';
import { Records } from './records';
import { Slots } from './slots';
import { WriteQueue } from './writeQueue';

export { apiPath };
export type { BinaryStream, EspoContext, EspoRequest };

export interface ClientOptions {
	/** Requests in flight at most (every request: metadata, login, chunks, cleanup). Default 5. */
	concurrency?: number;
	/** Per-request timeout. Default 300 s. */
	timeoutMs?: number;
	/** How many items this execution has: writes to one record field wait until every item has arrived. */
	itemCount?: number;
}

/**
 * A slot held across several requests that run one after another (a chunked upload holds one for
 * all its chunks, so uploads in progress, and their buffers, stay within Concurrency).
 */
export interface Lease {
	readonly held: true;
}

export interface StreamResponse {
	stream: BinaryStream;
	contentLength?: number;
	contentType: string;
}

/**
 * One EspoCRM client per execution (and per dropdown or trigger call). It owns the connection and
 * the login, the timeout, the concurrency slots (taken per request, so no request escapes them),
 * the caches (metadata, settings, which relationship endpoints exist) and the per-record write
 * queue. Operations read like intent: `client.attachments.upload(…)`, `client.records.append(…)`.
 * Call `close()` at the end: it gives a password login's token back.
 */
export class EspoClient {
	readonly attachments: Attachments;

	readonly records: Records;

	readonly writes: WriteQueue;

	readonly timeoutMs: number;

	private connection?: Promise<Connection>;

	private readonly slots: Slots;

	private readonly fieldDefs = new Map<string, Promise<FieldDefs | undefined>>();

	private settings?: Promise<ServerSettings>;

	/** `Entity.field` keys whose relationship endpoint EspoCRM does not have (Note: no createLink). */
	readonly withoutRelationshipEndpoint = new Set<string>();

	constructor(
		readonly ctx: EspoContext,
		options: ClientOptions = {},
	) {
		this.slots = new Slots(Math.max(1, Math.min(32, Math.floor(options.concurrency ?? 5) || 5)));
		this.timeoutMs = Math.max(1000, options.timeoutMs ?? 300_000);
		this.attachments = new Attachments(this);
		this.records = new Records(this);
		this.writes = new WriteQueue(this, options.itemCount ?? 1);
	}

	get node() {
		return this.ctx.getNode();
	}

	/** The most requests that were in flight at once (for tests of the bound). */
	get peakInFlight(): number {
		return this.slots.peak;
	}

	/** The credential, read and normalised once; a password login happens here, once per client. */
	async connect(itemIndex?: number, lease?: Lease): Promise<Connection> {
		if (!this.connection) {
			this.connection = (async () => {
				const credentials = await this.ctx.getCredentials<EspoCredentialData & IDataObject>(CREDENTIAL_TYPE);
				let apiRoot: string;
				try {
					apiRoot = apiRootOf(credentials.baseUrl);
				} catch (error) {
					throw new NodeOperationError(this.node, (error as Error).message, {
						description: 'Fix the Base URL in the EspoCRM API credential.',
						itemIndex,
					});
				}
				const base: Connection = { apiRoot, host: new URL(apiRoot).host, credentials };
				return credentials.authMethod === 'password' ? await this.logIn(base, itemIndex, lease) : base;
			})();
			this.connection.catch(() => (this.connection = undefined));
		}
		return await this.connection;
	}

	/** The site address (without /api/v1), for links to records in dropdowns. */
	async siteUrl(): Promise<string> {
		const { apiRoot } = await this.connect();
		return apiRoot.replace(/\/api\/v1$/, '');
	}

	/**
	 * Every password login makes EspoCRM create an auth token (and an auth-log entry), so the client
	 * logs in once (`GET App/user`) and sends `base64(user:token)` with
	 * `Espo-Authorization-By-Token: true` afterwards, as EspoCRM's docs recommend; `close()` gives
	 * the token back (`POST App/destroyAuthToken`, reference: Logout).
	 */
	private async logIn(base: Connection, itemIndex?: number, lease?: Lease): Promise<Connection> {
		const request: EspoRequest = { method: 'GET', path: apiPath('App', 'user'), itemIndex };
		// Inside a held slot (a lease) the login uses it: taking a second slot could wait forever at Concurrency 1.
		const appUser = await this.exchange<IDataObject | null>(base, request, lease);
		const token = appUser?.token;
		if (typeof token !== 'string' || token === '') return { ...base, appUser: appUser ?? undefined };
		return { ...base, appUser: appUser ?? undefined, token, tokenHeaders: tokenHeadersFor(base.credentials.username, token) };
	}

	/** Gives back what this client holds on the server: a password login's auth token. Never throws. */
	async close(): Promise<void> {
		const pending = this.connection;
		this.connection = undefined;
		if (!pending) return;
		const connection = await pending.catch(() => undefined);
		if (!connection?.token) return;
		try {
			await this.exchange(connection, {
				method: 'POST',
				path: apiPath('App', 'destroyAuthToken'),
				body: { token: connection.token },
			});
		} catch {
			// The token expires on its own (authTokenMaxIdleTime); the items' results stand.
		}
	}

	/**
	 * One EspoCRM API call with a JSON (or empty) answer, within a concurrency slot. Returns the
	 * parsed body, `undefined` for an empty body (EspoCRM answers `Metadata?key=<unknown>` with 200
	 * and 0 bytes). Throws a NodeApiError with a readable message and hint for every failure.
	 */
	async request<T = unknown>(request: EspoRequest, lease?: Lease): Promise<T> {
		return await this.exchange<T>(await this.connect(request.itemIndex, lease), request, lease);
	}

	/** Runs `work` holding one slot; requests sent with the lease use it instead of taking another. */
	async holdingSlot<T>(work: (lease: Lease) => Promise<T>): Promise<T> {
		return await this.slots.run(async () => await work({ held: true }));
	}

	/** Runs `work` in a concurrency slot: the caller's lease when it holds one, else a slot of its own. */
	private async inSlot<T>(lease: Lease | undefined, work: () => Promise<T>): Promise<T> {
		return lease ? await work() : await this.slots.run(work);
	}

	private async exchange<T>(connection: Connection, request: EspoRequest, lease?: Lease): Promise<T> {
		const send = async () => {
			const raw = await sendRequest(this.ctx, connection, request, 'text', this.timeoutMs);
			return { response: raw, text: await readText(raw.body) };
		};
		const { response, text } = await this.inSlot(lease, send);
		if (response.statusCode < 200 || response.statusCode >= 300) this.fail(connection, request, response, text);
		if (text.trim() === '') return undefined as T;
		if (isHtml(header(response.headers, 'content-type'), text)) {
			throw notTheApiError(this.node, failureOf(request, response, ''), request.itemIndex);
		}
		try {
			return JSON.parse(text) as T;
		} catch {
			throw notTheApiError(this.node, failureOf(request, response, ''), request.itemIndex);
		}
	}

	/**
	 * A download: `consume` gets the body as a stream (never buffered here) after the status was
	 * checked. The slot is held until `consume` is done, so a download in progress counts.
	 */
	async stream<T>(request: EspoRequest, consume: (response: StreamResponse) => Promise<T>, lease?: Lease): Promise<T> {
		const connection = await this.connect(request.itemIndex, lease);
		return await this.inSlot(lease, async () => {
			const response = await sendRequest(this.ctx, connection, request, 'stream', this.timeoutMs);
			if (response.statusCode < 200 || response.statusCode >= 300) {
				this.fail(connection, request, response, await readText(response.body));
			}
			const length = Number.parseInt(header(response.headers, 'content-length'), 10);
			return await consume({
				stream: response.body as BinaryStream,
				contentLength: Number.isFinite(length) ? length : undefined,
				contentType: header(response.headers, 'content-type'),
			});
		});
	}

	private fail(connection: Connection, request: EspoRequest, response: RawResponse, text: string): never {
		throw espoApiError(this.node, failureOf(request, response, text), connection.credentials.authMethod, request.itemIndex);
	}

	private appUserAnswer?: Promise<unknown>;

	/** `GET App/user` (the user, its settings and the app params), read once; a password login's answer is reused. */
	async appUser(itemIndex?: number, lease?: Lease): Promise<unknown> {
		const { appUser } = await this.connect(itemIndex, lease);
		if (appUser) return appUser;
		if (!this.appUserAnswer) {
			this.appUserAnswer = this.request<unknown>({ method: 'GET', path: apiPath('App', 'user'), itemIndex }, lease);
			this.appUserAnswer.catch(() => (this.appUserAnswer = undefined));
		}
		return await this.appUserAnswer;
	}

	/** The EspoCRM user of this credential: its id and whether it is an administrator (`user.type`, observed §1.a). */
	async currentUser(itemIndex?: number, lease?: Lease): Promise<{ id: string; isAdmin: boolean }> {
		const answer = (await this.appUser(itemIndex, lease)) as { user?: IDataObject } | undefined;
		const user = answer?.user ?? {};
		return { id: typeof user.id === 'string' ? user.id : '', isAdmin: user.type === 'admin' || user.isAdmin === true };
	}

	/** Upload limits and version, read once per client. */
	async serverSettings(itemIndex?: number): Promise<ServerSettings> {
		if (!this.settings) {
			this.settings = (async () => serverSettingsFrom(await this.appUser(itemIndex)))();
			this.settings.catch(() => (this.settings = undefined));
		}
		return await this.settings;
	}

	/**
	 * `entityDefs.<E>.fields`, read once per entity type (`?key=` works since EspoCRM 8.2; older
	 * servers answer the whole metadata, which is dug into). `undefined` when EspoCRM does not know
	 * the entity type or the user cannot see it (200 with an empty body).
	 */
	async fieldsOf(entityType: string, itemIndex?: number): Promise<FieldDefs | undefined> {
		let defs = this.fieldDefs.get(entityType);
		if (!defs) {
			defs = (async () =>
				fieldDefsFrom(
					entityType,
					await this.request<unknown>({
						method: 'GET',
						path: apiPath('Metadata'),
						qs: { key: `entityDefs.${entityType}.fields` },
						itemIndex,
					}),
				))();
			this.fieldDefs.set(entityType, defs);
			defs.catch(() => this.fieldDefs.delete(entityType));
		}
		return await defs;
	}

	/** The field, checked against EspoCRM's metadata to be of one of the `allowed` types. */
	async attachmentField(
		entityType: string,
		field: string,
		allowed: AttachmentFieldType[],
		itemIndex: number,
	): Promise<AttachmentField> {
		const fields = await this.fieldsOf(entityType, itemIndex);
		return requireAttachmentField(this.node, itemIndex, entityType, fields, field, allowed);
	}

	/** Entity types (scopes the user can see) that have at least one File, Image or Attachment-Multiple field. */
	async entityTypesWithFiles(): Promise<Array<{ name: string; fields: FieldDefs }>> {
		return entityTypesWithFiles(
			await this.request<unknown>({ method: 'GET', path: apiPath('Metadata'), qs: { key: 'entityDefs' } }),
		);
	}
}

/** Runs `work` with a client for this context and closes the client afterwards (dropdowns, searches). */
export async function withClient<T>(ctx: EspoContext, work: (client: EspoClient) => Promise<T>, options?: ClientOptions): Promise<T> {
	const client = new EspoClient(ctx, options);
	try {
		return await work(client);
	} finally {
		await client.close();
	}
}
