import type { IDataObject, INodeExecutionData, INodeType, INodeTypeDescription, IPollFunctions } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { credentialTest, loadOptions } from '../EspoCrmAttachment/methods';
import { listRecordsPage, withEspo } from '../EspoCrmFileTrigger/espo';
import {
	changeEvent,
	idsIn,
	itemsFor,
	KnownFiles,
	type NewFile,
	readSettings,
	type TriggerSettings,
	triggerProperties,
} from '../EspoCrmFileTrigger/shared';

/** `recordListMaxSizeLimit` (observed §6.25). */
const PAGE_SIZE = 200;
/** A record missing from this many polls in a row is forgotten (deleted, or no longer readable). */
const MISSES_BEFORE_FORGETTING = 3;

interface PollState extends IDataObject {
	known: IDataObject;
	/** The newest `createdAt` (EspoCRM's clock) of the previous poll: an unseen record created before it is not new. */
	watermark: string | null;
	misses: IDataObject;
}

function selectFor(settings: TriggerSettings): string[] {
	return [
		'name',
		'createdAt',
		...settings.fields.map((field) => (field.type === 'attachmentMultiple' ? `${field.name}Ids` : `${field.name}Id`)),
	];
}

/** Every record the API user can read, oldest first (new records land on the last page while paging). */
async function allRecords(ctx: IPollFunctions, settings: TriggerSettings): Promise<IDataObject[]> {
	const records: IDataObject[] = [];
	const select = selectFor(settings);
	for (let offset = 0; ; offset += PAGE_SIZE) {
		const page = await listRecordsPage(ctx, settings.entityType, select, offset, PAGE_SIZE);
		records.push(...page.list);
		if (page.list.length < PAGE_SIZE) return records;
	}
}

function nameOf(record: IDataObject): string | null {
	return typeof record.name === 'string' ? record.name : null;
}

/** "Fetch Test Event": the newest file, so the editor shows an item's shape; nothing is remembered. */
function newestFile(settings: TriggerSettings, records: IDataObject[]): NewFile[] {
	for (const record of [...records].reverse()) {
		for (const field of settings.fields) {
			const ids = idsIn(record, field) ?? [];
			if (ids.length > 0) {
				return [{ event: 'created', recordId: String(record.id), recordName: nameOf(record), field, attachmentId: ids[ids.length - 1] }];
			}
		}
	}
	return [];
}

export class EspoCrmFilePollTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'EspoCRM File Polling Trigger',
		name: 'espoCrmFilePollTrigger',
		icon: { light: 'file:espocrm.svg', dark: 'file:espocrm.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ $parameter["entityType"] }}',
		description: 'Checks EspoCRM on a schedule for files that arrived on records, and starts the workflow with the files as binary data',
		defaults: { name: 'EspoCRM File Polling Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'espoCrmApi', required: true, testedBy: 'espoCrmApiTest' }],
		properties: [
			{
				displayName:
					'Each poll lists the records of the entity type with their file IDs (one request per 200 records) and compares them with the previous poll, so it also catches files linked without a record save, which raise no EspoCRM webhook. The API user needs read access to the records.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			...triggerProperties,
		],
	};

	methods = {
		loadOptions: { getEntityTypes: loadOptions.getEntityTypes, getAttachmentFields: loadOptions.getAttachmentFields },
		credentialTest,
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		return await withEspo(this, async () => await pollOnce.call(this));
	}
}

/** One poll: the files that arrived since the previous one (the first poll is the baseline). */
async function pollOnce(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
	const settings = await readSettings(this);
	const records = await allRecords(this, settings);
	if (this.getMode() === 'manual') {
		const items = await itemsFor(this, settings, newestFile(settings, records));
		return items.length > 0 ? [items] : null;
	}
	const staticData = this.getWorkflowStaticData('node');
	const firstPoll = staticData.poll === undefined;
	// Work on a copy: it becomes the stored state only when every item (and download) succeeded, so a
	// failed poll finds the same files again next time.
	const state = JSON.parse(JSON.stringify(staticData.poll ?? { known: {}, watermark: null, misses: {} })) as PollState;
	const known = KnownFiles.in(state, Number.MAX_SAFE_INTEGER);
	const files: NewFile[] = [];
	const add = (file: Omit<NewFile, 'recordName'>, record: IDataObject) => {
		if (settings.events.includes(file.event)) files.push({ ...file, recordName: nameOf(record) });
	};
	let newest = state.watermark;
	const seen = new Set<string>();
	for (const record of records) {
		const recordId = String(record.id);
		seen.add(recordId);
		const createdAt = typeof record.createdAt === 'string' ? record.createdAt : null;
		if (createdAt && (!newest || createdAt > newest)) newest = createdAt;
		const isKnown = known.has(recordId);
		// First poll (activation): everything there is the baseline. Later, an unseen record is new only
		// when it was created since the previous poll (older ones just became readable, or were skipped).
		const isNew = !firstPoll && !isKnown && (!state.watermark || !createdAt || createdAt >= state.watermark);
		for (const field of settings.fields) {
			const ids = idsIn(record, field) ?? [];
			if (!firstPoll && (isKnown || isNew)) {
				const fresh = ids.filter((id) => !known.ids(recordId, field.name).includes(id));
				for (const attachmentId of fresh) {
					add({ event: isKnown ? changeEvent(field) : 'created', recordId, field, attachmentId }, record);
				}
			}
			known.remember(recordId, field.name, ids);
		}
		known.touch(recordId);
	}
	for (const recordId of known.recordIds()) {
		if (seen.has(recordId)) {
			delete state.misses[recordId];
			continue;
		}
		const misses = Number(state.misses[recordId] ?? 0) + 1;
		if (misses >= MISSES_BEFORE_FORGETTING) {
			known.forget(recordId);
			delete state.misses[recordId];
		} else {
			state.misses[recordId] = misses;
		}
	}
	state.watermark = newest;
	const items = await itemsFor(this, settings, files);
	staticData.poll = state;
	return items.length > 0 ? [items] : null;
}
