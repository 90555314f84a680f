// List search parameters (api §6.5, observed §6.20–6.25): the bracket-encoded query
// (`where[0][type]=equals&…`, raw or percent-encoded) or `searchParams=<JSON>`, and the `where` evaluator.
import { badRequest } from './http';

export interface WhereItem {
	type: string;
	attribute?: string;
	field?: string;
	value?: unknown;
}

export interface SearchParams {
	select?: string[];
	where: WhereItem[];
	textFilter?: string;
	maxSize?: number;
	offset: number;
	orderBy?: string;
	order?: 'asc' | 'desc';
}

type Tree = { [key: string]: Tree | string };

/** `a[0][b]=c` → `{a: [{b: 'c'}]}` (objects whose keys are all indexes become arrays). */
export function parseBracketQuery(query: string): Record<string, unknown> {
	const root: Tree = {};
	for (const [rawKey, value] of new URLSearchParams(query)) {
		const match = /^([^[\]]+)((?:\[[^\]]*\])*)$/.exec(rawKey);
		const path = match ? [match[1], ...[...match[2].matchAll(/\[([^\]]*)\]/g)].map((m) => m[1])] : [rawKey];
		let node: Tree = root;
		path.forEach((part, i) => {
			const key = part === '' ? String(Object.keys(node).length) : part;
			if (i === path.length - 1) {
				node[key] = value;
			} else {
				const child = node[key];
				node = typeof child === 'object' ? child : (node[key] = {});
			}
		});
	}
	return toArrays(root) as Record<string, unknown>;
}

function toArrays(node: Tree | string): unknown {
	if (typeof node === 'string') return node;
	const keys = Object.keys(node);
	const converted = keys.map((k) => toArrays(node[k]));
	if (keys.length > 0 && keys.every((k, i) => k === String(i))) return converted;
	return Object.fromEntries(keys.map((k, i) => [k, converted[i]]));
}

function asWhereList(value: unknown): WhereItem[] {
	if (Array.isArray(value)) return value.filter((v): v is WhereItem => typeof v === 'object' && v !== null);
	if (value && typeof value === 'object') return Object.values(value).filter((v): v is WhereItem => typeof v === 'object' && v !== null);
	return [];
}

function numberOrUndefined(value: unknown): number | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	const n = Number(value);
	return Number.isFinite(n) ? n : undefined;
}

function searchParamsJson(value: unknown): Record<string, unknown> {
	if (typeof value !== 'string') return {};
	try {
		return JSON.parse(value) as Record<string, unknown>;
	} catch {
		throw badRequest('Bad searchParams.');
	}
}

export function parseSearchParams(query: string): SearchParams {
	const parsed = parseBracketQuery(query);
	const json = searchParamsJson(parsed.searchParams);
	const raw = { ...parsed, ...json };
	const select = raw.select ?? raw.attributeSelect;
	const order = raw.order ?? (raw.asc === 'true' || raw.asc === true ? 'asc' : raw.asc !== undefined ? 'desc' : undefined);
	return {
		select: typeof select === 'string' ? select.split(',').filter(Boolean) : Array.isArray(select) ? select.map(String) : undefined,
		where: asWhereList(raw.where),
		textFilter: typeof raw.textFilter === 'string' && raw.textFilter !== '' ? raw.textFilter : undefined,
		maxSize: numberOrUndefined(raw.maxSize),
		offset: numberOrUndefined(raw.offset) ?? 0,
		orderBy: typeof (raw.orderBy ?? raw.sortBy) === 'string' ? String(raw.orderBy ?? raw.sortBy) : undefined,
		order: order === 'asc' || order === 'desc' ? order : undefined,
	};
}

// --- evaluation ---------------------------------------------------------------------------------

/** Client date-times (ISO or Espo format) in Espo's `YYYY-MM-DD HH:MM:SS` so they compare as strings. */
function comparable(value: unknown): unknown {
	if (typeof value !== 'string') return value;
	if (/^\d{4}-\d{2}-\d{2}T/.test(value)) {
		const date = new Date(value);
		if (!Number.isNaN(date.getTime())) return date.toISOString().slice(0, 19).replace('T', ' ');
	}
	return value;
}

function compare(a: unknown, b: unknown): number {
	const x = comparable(a);
	const y = comparable(b);
	if (typeof x === 'number' && typeof y !== 'number' && y !== null && y !== undefined) return x - Number(y);
	if (x === y) return 0;
	if (x === null || x === undefined) return -1;
	if (y === null || y === undefined) return 1;
	return String(x) < String(y) ? -1 : 1;
}

function likeToRegExp(pattern: string): RegExp {
	const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
	return new RegExp(`^${escaped}$`, 'is');
}

function includesValue(list: unknown, value: unknown): boolean {
	const values = Array.isArray(list) ? list : [list];
	return values.some((v) => compare(v, value) === 0 || (Array.isArray(value) && value.includes(v)));
}

/** Evaluates one where item against a record view. Unknown types match nothing. */
export function matchesWhere(view: Record<string, unknown>, item: WhereItem): boolean {
	const nested = asWhereList(item.value);
	switch (item.type) {
		case 'and':
			return nested.every((n) => matchesWhere(view, n));
		case 'or':
			return nested.some((n) => matchesWhere(view, n));
		case 'not':
			return !nested.every((n) => matchesWhere(view, n));
	}
	const attribute = item.attribute ?? item.field ?? '';
	const actual = view[attribute];
	const expected = item.value;
	const text = actual === null || actual === undefined ? '' : String(actual).toLowerCase();
	const needle = String(expected ?? '').toLowerCase();
	switch (item.type) {
		case 'equals':
			return compare(actual, expected) === 0;
		case 'notEquals':
			return compare(actual, expected) !== 0;
		case 'in':
			return includesValue(expected, actual);
		case 'notIn':
			return !includesValue(expected, actual);
		case 'contains':
			return text.includes(needle);
		case 'notContains':
			return !text.includes(needle);
		case 'startsWith':
			return text.startsWith(needle);
		case 'endsWith':
			return text.endsWith(needle);
		case 'like':
			return likeToRegExp(String(expected ?? '')).test(text);
		case 'notLike':
			return !likeToRegExp(String(expected ?? '')).test(text);
		case 'isNull':
			return actual === null || actual === undefined;
		case 'isNotNull':
			return actual !== null && actual !== undefined;
		case 'isTrue':
			return actual === true;
		case 'isFalse':
			return actual === false;
		case 'greaterThan':
		case 'after':
			return actual !== null && actual !== undefined && compare(actual, endOfDay(expected)) > 0;
		case 'lessThan':
		case 'before':
			return actual !== null && actual !== undefined && compare(actual, expected) < 0;
		case 'greaterThanOrEquals':
			return actual !== null && actual !== undefined && compare(actual, expected) >= 0;
		case 'lessThanOrEquals':
			return actual !== null && actual !== undefined && compare(actual, expected) <= 0;
		case 'between': {
			const [from, to] = Array.isArray(expected) ? expected : [];
			return compare(actual, from) >= 0 && compare(actual, to) <= 0;
		}
		case 'arrayAnyOf':
		case 'linkedWith':
			return Array.isArray(actual) && actual.some((v) => includesValue(expected, v));
		default:
			return false;
	}
}

/** `after 2024-01-02` means after that whole day, for date and date-time attributes alike. */
function endOfDay(value: unknown): unknown {
	return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value} 23:59:59` : value;
}

/** `name` starts with the text, `*` is a wildcard (Espo's default text filter). */
export function matchesTextFilter(view: Record<string, unknown>, text: string): boolean {
	const pattern = text.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
	const regExp = new RegExp(`^${pattern}`, 'i');
	return ['name', 'number'].some((attribute) => view[attribute] !== undefined && view[attribute] !== null && regExp.test(String(view[attribute])));
}

export function compareForOrder(a: unknown, b: unknown): number {
	return compare(a, b);
}
