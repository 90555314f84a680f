import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { credentialTest, loadOptions } from '../EspoCrmAttachment/methods';
import { createWebhook, deleteWebhook, listWebhooks, type TriggerContext, withEspo } from './espo';
import { itemsFor, KnownFiles, readSettings, triggerProperties } from './shared';
import { verifiedWebhook } from './signature';
import { activationError, neededEvents, newFilesOf, type StoredWebhook } from './webhookEvents';

/** Records whose file ids the trigger keeps (the most recently touched ones). */
const MAX_KNOWN_RECORDS = 10_000;

function lookForUnannounced(ctx: TriggerContext): boolean {
	return ctx.getNodeParameter('options.lookForUnannouncedLinks', true) as boolean;
}

async function authMethodOf(ctx: TriggerContext): Promise<string | undefined> {
	const credentials = await ctx.getCredentials('espoCrmApi');
	return typeof credentials.authMethod === 'string' ? credentials.authMethod : undefined;
}

function webhookUrlOf(ctx: IHookFunctions): string {
	const url = ctx.getNodeWebhookUrl('default');
	if (!url) throw new NodeOperationError(ctx.getNode(), 'n8n has no webhook URL for this trigger');
	return url;
}

function storedWebhooks(staticData: IDataObject): StoredWebhook[] {
	return Array.isArray(staticData.webhooks) ? (staticData.webhooks as unknown as StoredWebhook[]) : [];
}

/** The delivery's exact bytes: both signatures cover them (observed §10.3). */
async function rawBodyOf(ctx: IWebhookFunctions): Promise<Buffer> {
	const request = ctx.getRequestObject();
	if (!Buffer.isBuffer(request.rawBody) && typeof request.readRawBody === 'function') await request.readRawBody();
	if (!Buffer.isBuffer(request.rawBody)) {
		throw new NodeOperationError(ctx.getNode(), 'n8n did not keep the raw body of the delivery, so its signature cannot be checked');
	}
	return request.rawBody;
}

export class EspoCrmFileTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'EspoCRM File Trigger',
		name: 'espoCrmFileTrigger',
		icon: { light: 'file:espocrm.svg', dark: 'file:espocrm.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ $parameter["entityType"] }}',
		description: 'Starts the workflow when files arrive on EspoCRM records (EspoCRM webhooks), with the files as binary data',
		defaults: { name: 'EspoCRM File Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'espoCrmApi', required: true, testedBy: 'espoCrmApiTest' }],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
		properties: [
			{
				displayName:
					'EspoCRM sends webhooks with a delay of up to a few minutes (its job runs every 2 minutes). The API user\'s role needs Webhooks enabled; EspoCRM 9.3.2 and later also need n8n\'s host in webhookAllowedAddressList when it is an internal address. Files linked without a record save (e.g. through the API\'s relationship endpoint) raise no webhook: use the polling trigger to catch those.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			...triggerProperties,
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Look for Files Linked Without an Event',
						name: 'lookForUnannouncedLinks',
						type: 'boolean',
						default: true,
						description:
							'Whether to re-read a record whenever it is saved, to find Attachment-Multiple files that were linked without an event (EspoCRM sends none for links made through the relationship endpoint)',
					},
				],
			},
		],
	};

	methods = {
		loadOptions: { getEntityTypes: loadOptions.getEntityTypes, getAttachmentFields: loadOptions.getAttachmentFields },
		credentialTest,
	};

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return await withEspo(this, async () => await checkExists.call(this));
			},

			async create(this: IHookFunctions): Promise<boolean> {
				return await withEspo(this, async () => await create.call(this));
			},

			async delete(this: IHookFunctions): Promise<boolean> {
				return await withEspo(this, async () => await remove.call(this));
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await withEspo(this, async () => await receive.call(this));
	}
}

/** Adopts the webhooks EspoCRM already has for this URL when they cover every needed event. */
async function checkExists(this: IHookFunctions): Promise<boolean> {
	const url = webhookUrlOf(this);
	const settings = await readSettings(this);
	const needed = neededEvents(settings, lookForUnannounced(this));
	let existing;
	try {
		existing = (await listWebhooks(this)).filter((w) => w.url === url && w.isActive !== false);
	} catch (error) {
		throw activationError(this.getNode(), error, { url, authMethod: await authMethodOf(this) });
	}
	const adopted = needed.map((event) => existing.find((w) => w.event === event));
	if (adopted.some((w) => w === undefined || typeof w.secretKey !== 'string')) return false;
	const staticData = this.getWorkflowStaticData('node');
	staticData.webhooks = adopted.map((w) => ({ id: w!.id, event: w!.event, secretKey: w!.secretKey, url })) as unknown as IDataObject[];
	for (const extra of existing.filter((w) => !needed.includes(w.event))) await deleteWebhook(this, extra.id);
	return true;
}

/** Creates the missing webhooks; on failure removes the ones it created, so nothing is left behind. */
async function create(this: IHookFunctions): Promise<boolean> {
	const url = webhookUrlOf(this);
	const settings = await readSettings(this);
	const needed = neededEvents(settings, lookForUnannounced(this));
	const existing = (await listWebhooks(this)).filter((w) => w.url === url && w.isActive !== false);
	const kept: StoredWebhook[] = [];
	const created: string[] = [];
	for (const event of needed) {
		const found = existing.find((w) => w.event === event && typeof w.secretKey === 'string');
		if (found) {
			kept.push({ id: found.id, event, secretKey: found.secretKey, url });
			continue;
		}
		try {
			const webhook = await createWebhook(this, event, url);
			created.push(webhook.id);
			kept.push({ id: webhook.id, event, secretKey: webhook.secretKey, url });
		} catch (error) {
			for (const id of created) await deleteWebhook(this, id);
			throw activationError(this.getNode(), error, { url, event, authMethod: await authMethodOf(this) });
		}
	}
	for (const extra of existing.filter((w) => !needed.includes(w.event))) await deleteWebhook(this, extra.id);
	const staticData = this.getWorkflowStaticData('node');
	staticData.webhooks = kept as unknown as IDataObject[];
	return true;
}

/** Deletes the trigger's webhooks (those it stored, and any other EspoCRM holds for its URL). */
async function remove(this: IHookFunctions): Promise<boolean> {
	const staticData = this.getWorkflowStaticData('node');
	const url = this.getNodeWebhookUrl('default');
	const ids = new Set(storedWebhooks(staticData).map((w) => w.id));
	// The stored ones first: they go even when the list below is refused (Webhook scope revoked).
	for (const id of ids) await deleteWebhook(this, id);
	let leftovers: string[];
	try {
		leftovers = (await listWebhooks(this)).filter((w) => w.url === url && !ids.has(w.id)).map((w) => w.id);
	} catch (error) {
		throw activationError(this.getNode(), error, { url: url ?? '', authMethod: await authMethodOf(this) });
	}
	for (const id of leftovers) await deleteWebhook(this, id);
	delete staticData.webhooks;
	delete staticData.known;
	return true;
}

/** One delivery: verified, then the new files it announces, with their files. */
async function receive(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const staticData = this.getWorkflowStaticData('node');
	const webhooks = storedWebhooks(staticData);
	const body = await rawBodyOf(this);
	const sender = verifiedWebhook(body, this.getHeaderData() as Record<string, string>, webhooks);
	const res = this.getResponseObject();
	if (!sender) {
		// Not from EspoCRM (or a secret that is not this activation's): no execution.
		res.status(401).json({ message: 'The signature of this delivery does not match' });
		return { noWebhookResponse: true };
	}
	let payload: unknown;
	try {
		payload = JSON.parse(body.toString('utf8'));
	} catch {
		payload = undefined;
	}
	if (!Array.isArray(payload)) {
		res.status(400).json({ message: 'An EspoCRM delivery is a JSON list' });
		return { noWebhookResponse: true };
	}
	const settings = await readSettings(this);
	// Work on a copy: it becomes the stored state only when every item (and download) succeeded.
	// Otherwise n8n answers 500, EspoCRM retries in 10 minutes, and the files come again.
	const copy = JSON.parse(JSON.stringify(staticData.known ?? {})) as IDataObject;
	const state = { known: copy };
	const known = KnownFiles.in(state, MAX_KNOWN_RECORDS);
	const delivered = payload
		.filter((element): element is IDataObject => !!element && typeof element === 'object' && !Array.isArray(element))
		.map((data) => ({ event: sender.event, data }));
	const files = await newFilesOf(this, settings, known, delivered);
	const items = await itemsFor(this, settings, files);
	staticData.known = state.known;
	if (items.length === 0) return { webhookResponse: 'ok' };
	return { workflowData: [items] };
}
