import type { INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

// Everything that ends up in a URL path is checked first, so an id or an entity type can never
// reach a different endpoint (`Document/../User`, `a%2Fb`, `Note#`, `x?y=1`).
const ENTITY_TYPE = /^[A-Za-z][A-Za-z0-9_]{0,99}$/;
const FIELD = /^[A-Za-z][A-Za-z0-9_]{0,99}$/;
// EspoCRM ids are 17 hex characters by default; installs with UUIDs or older ids use [0-9a-z-].
const ID = /^[A-Za-z0-9_-]{1,64}$/;

function describe(value: unknown): string {
	if (value === undefined || value === null || value === '') return 'nothing (empty)';
	if (Array.isArray(value)) return `a list (${JSON.stringify(value).slice(0, 80)})`;
	if (typeof value === 'object') return `an object (${JSON.stringify(value).slice(0, 80)})`;
	return `"${String(value).slice(0, 80)}"`;
}

function check(
	node: INode,
	itemIndex: number,
	value: unknown,
	pattern: RegExp,
	what: string,
	hint: string,
): string {
	const text = typeof value === 'number' ? String(value) : value;
	if (typeof text !== 'string' || !pattern.test(text.trim())) {
		throw new NodeOperationError(node, `The ${what} is ${describe(value)}, which is not a valid ${what}`, {
			itemIndex,
			description: hint,
		});
	}
	return text.trim();
}

export function entityTypeParam(node: INode, itemIndex: number, value: unknown): string {
	return check(
		node,
		itemIndex,
		value,
		ENTITY_TYPE,
		'entity type',
		'Pick an entity type from the list, or give its exact name, e.g. Document, Case or CMyEntity (letters, digits and _ only).',
	);
}

export function fieldParam(node: INode, itemIndex: number, value: unknown): string {
	return check(
		node,
		itemIndex,
		value,
		FIELD,
		'field name',
		'Pick a field from the list, or give its exact name as in Entity Manager, e.g. file or attachments.',
	);
}

export function recordIdParam(node: INode, itemIndex: number, value: unknown, what = 'record ID'): string {
	return check(
		node,
		itemIndex,
		value,
		ID,
		what,
		`Give a single ${what} (e.g. 6650c0f1a2b3c4d5e) or an EspoCRM URL such as https://crm.example.com/#${what === 'attachment ID' ? 'Attachment' : 'Case'}/view/6650c0f1a2b3c4d5e. An expression must produce one ID, not a list or an object.`,
	);
}

// `…/#Case/view/<id>` (a record) or `…/#Attachment/view/<id>`, the address EspoCRM's web UI shows.
const VIEW_URL = /#([A-Za-z][A-Za-z0-9_]{0,99})\/view\/([A-Za-z0-9_-]{1,64})(?:[/?&#]|$)/;

/**
 * The ID in a resource locator's value: `{ mode, value }` as the editor stores it, or a plain
 * string from an expression or an older workflow. By URL (or any value that is an EspoCRM view
 * URL) gives the ID in the URL; an attachment URL must point at an Attachment.
 */
export function locatorIdParam(node: INode, itemIndex: number, raw: unknown, what: 'record ID' | 'attachment ID'): string {
	const locator = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as { mode?: unknown; value?: unknown }) : undefined;
	const value = locator && 'value' in locator ? locator.value : raw;
	if (typeof value === 'string' && (locator?.mode === 'url' || /^https?:\/\//i.test(value.trim()))) {
		const match = VIEW_URL.exec(value.slice(0, 2000));
		const wantsAttachment = what === 'attachment ID';
		if (!match || (wantsAttachment && match[1] !== 'Attachment')) {
			throw new NodeOperationError(
				node,
				`The ${wantsAttachment ? 'attachment' : 'record'} URL ${describe(value)} is not an EspoCRM ${wantsAttachment ? 'attachment' : 'record'} URL`,
				{
					itemIndex,
					description: `Give the address EspoCRM shows for it, e.g. https://crm.example.com/#${wantsAttachment ? 'Attachment' : 'Case'}/view/6650c0f1a2b3c4d5e, or its ID.`,
				},
			);
		}
		return match[2];
	}
	return recordIdParam(node, itemIndex, value, what);
}
