import type { IDataObject, INodeProperties } from 'n8n-workflow';

import type { WriteOutcome } from '../../client/writeQueue';
import {
	chunkSizeOption,
	concurrencyOption,
	fileNameOption,
	keepOnFailureOption,
	mimeTypeOption,
	recordFieldsProperties,
	recordModeProperty,
	recordProperty,
	skipDuplicateCheckOption,
	timeoutOption,
} from '../common.descriptions';

/** The parameters after entity type and field that say which record gets the file. */
export function recordTargetProperties(recordHelp: string, fieldsForExisting: boolean): INodeProperties[] {
	return [
		recordModeProperty,
		recordProperty(recordHelp, { show: { recordMode: ['existing'] } }),
		...recordFieldsProperties.map((property) => ({
			...property,
			displayOptions: fieldsForExisting
				? property.displayOptions
				: { show: { ...(property.displayOptions?.show ?? {}), recordMode: ['new'] } },
			description:
				property.name === 'recordFieldsInput'
					? 'How to give other field values of the record (required ones such as name, and for a Document publishDate, when creating)'
					: property.description,
		})),
	];
}

export const uploadAndLinkOptions: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		chunkSizeOption,
		concurrencyOption,
		fileNameOption,
		keepOnFailureOption,
		mimeTypeOption,
		skipDuplicateCheckOption,
		timeoutOption,
	],
};

export function isTrue(options: IDataObject, name: string): boolean {
	return options[name] === true;
}

/**
 * What an item's output says beyond the attachment: that a lost answer was settled by asking
 * EspoCRM, and, for a File field several items replaced, which uploads were replaced.
 */
export function writeOutcomeFields(outcome: WriteOutcome & { confirmedAfterLostAnswer?: boolean }): IDataObject {
	const fields: IDataObject = {};
	if (outcome.confirmedAfterLostAnswer) fields.linkConfirmedAfterLostAnswer = true;
	if (outcome.replaced?.length) fields.replacedAttachmentIds = outcome.replaced;
	if (outcome.replacedBy !== undefined) fields.replacedBy = outcome.replacedBy;
	return fields;
}
