// Every text the editor shows of the node and the credential, read from the BUILD (dist, as n8n
// loads it: template literals and shared builders already joined): display names, descriptions,
// hints, notices, option names/descriptions/actions, resource-locator modes and their messages.
// It fails on what a reader notices and the scanner's AST lint cannot see through a template
// literal: doubled punctuation ("size.. Choose"), final periods against n8n's style rule
// (eslint-plugin-n8n-nodes-base node-param-description-missing-final-period / -excess-final-period:
// a description of several sentences ends with a period, a single sentence does not), leftover
// placeholders, untrimmed or doubled spaces, and text that is not English.
import type { ICredentialType, INodeProperties, INodePropertyCollection, INodePropertyOptions, INodeTypeDescription } from 'n8n-workflow';

import { loadedPackage } from '../harness';
import { credentialType, nodeTypes, PACKAGE_NODE_TYPE } from '../harness/engine';

type Kind = 'displayName' | 'description' | 'hint' | 'notice' | 'action' | 'placeholder' | 'message';
interface Text { where: string; kind: Kind; text: string }

function collectProperties(properties: readonly INodeProperties[], prefix: string, out: Text[]): void {
	for (const property of properties) {
		// n8n's own text, added by its loader to every polling trigger (NodeHelpers.applySpecialNodeParameters).
		if (property.name === 'pollTimes') continue;
		const where = `${prefix}${property.name}`;
		const label = property.displayOptions?.show?.operation ? `${where}[${String(property.displayOptions.show.operation)}]` : where;
		if (property.type === 'notice') out.push({ where: label, kind: 'notice', text: property.displayName });
		else out.push({ where: label, kind: 'displayName', text: property.displayName });
		if (property.description) out.push({ where: label, kind: 'description', text: property.description });
		if (property.hint) out.push({ where: label, kind: 'hint', text: property.hint });
		if (typeof property.placeholder === 'string' && property.placeholder) out.push({ where: label, kind: 'placeholder', text: property.placeholder });
		for (const mode of property.modes ?? []) {
			const at = `${label}.mode:${mode.name}`;
			out.push({ where: at, kind: 'displayName', text: mode.displayName });
			if (mode.hint) out.push({ where: at, kind: 'hint', text: mode.hint });
			if (mode.placeholder) out.push({ where: at, kind: 'placeholder', text: mode.placeholder });
			for (const rule of mode.validation ?? []) {
				const message = typeof rule === 'object' && 'properties' in rule ? (rule.properties as { errorMessage?: string }).errorMessage : undefined;
				if (message) out.push({ where: at, kind: 'message', text: message });
			}
		}
		for (const option of property.options ?? []) {
			if ('type' in option && 'name' in option && 'displayName' in option) {
				collectProperties([option as INodeProperties], `${label}.`, out); // collection entry
			} else if ('values' in option) {
				const group = option as INodePropertyCollection;
				out.push({ where: `${label}.${group.name}`, kind: 'displayName', text: group.displayName });
				collectProperties(group.values, `${label}.${group.name}.`, out);
			} else {
				const choice = option as INodePropertyOptions;
				const at = `${label}=${String(choice.value)}`;
				out.push({ where: at, kind: 'displayName', text: choice.name });
				if (choice.description) out.push({ where: at, kind: 'description', text: choice.description });
				if (choice.action) out.push({ where: at, kind: 'action', text: choice.action });
			}
		}
	}
}

export function nodeTexts(description: INodeTypeDescription): Text[] {
	const out: Text[] = [
		{ where: 'node', kind: 'displayName', text: description.displayName },
		{ where: 'node', kind: 'description', text: description.description },
	];
	collectProperties(description.properties, 'node.', out);
	return out;
}

export function credentialTexts(type: ICredentialType): Text[] {
	const out: Text[] = [{ where: 'credential', kind: 'displayName', text: type.displayName }];
	collectProperties(type.properties, 'credential.', out);
	return out;
}

// n8n's own heuristic counts sentences by ". " after dropping "e.g."; "i.e." and a trailing
// parenthesis or link are treated the same way here.
const sentences = (text: string): number =>
	text.replace(/\b(e\.g|i\.e|etc|vs)\./g, '$1').replace(/<[^>]+>/g, '').split(/[.!?] +(?=\S)/).length;

// Words of other languages that are not also English words (German, French, Spanish, Italian, Portuguese).
const FOREIGN_WORDS = /\b(und|oder|nicht|wird|werden|Datei|Feld|Anhang|hochladen|les|une|pour|avec|fichier|champ|pièce|archivo|campo|adjunto|subir|allegato|caricare|arquivo|anexo|não)\b/i;
const PLACEHOLDERS = /\b(TODO|TBD|FIXME|XXX|lorem|ipsum|undefined|NaN)\b|\[object Object\]|\$\{|your-org|n8n-nodes-espocrm-attachments\.dev/i;
// Typographic characters the texts may use; any other non-ASCII character is suspect.
const ALLOWED_NON_ASCII = /[…—–→×’‘“”•·≤≥]/gu;

export function problemsOf(text: Text): string[] {
	const problems: string[] = [];
	const { kind } = text;
	const plain = text.text.replace(/<a [^>]*>|<\/a>/g, '');
	if (!plain.trim()) problems.push('empty');
	if (plain !== plain.trim()) problems.push('leading or trailing space');
	if (/ {2,}/.test(plain)) problems.push('doubled space');
	const urlLess = plain.replace(/https?:\/\/\S+/g, 'URL');
	if (/(?<!\.)\.\.(?!\.)|…\.|\.…|[,;:]\s*[.,;:]|\.\s*[,;:]|\s[.,;:!?](\s|$)|([!?])\2/.test(urlLess)) problems.push('doubled or misplaced punctuation');
	if (PLACEHOLDERS.test(plain)) problems.push(`placeholder text (${PLACEHOLDERS.exec(plain)?.[0]})`);
	const nonAscii = plain.replace(ALLOWED_NON_ASCII, '').match(/[^\x20-\x7e]/gu);
	if (nonAscii) problems.push(`non-English characters (${[...new Set(nonAscii)].join('')})`);
	if (FOREIGN_WORDS.test(plain)) problems.push(`non-English word (${FOREIGN_WORDS.exec(plain)?.[0]})`);
	if (kind !== 'placeholder' && /^[a-z]/.test(plain) && !/^(e\.g\.|i\.e\.)/.test(plain)) problems.push('starts with a lower-case letter');
	if (kind === 'description' || kind === 'hint' || kind === 'notice' || kind === 'message') {
		const many = sentences(urlLess.trim().replace(/[.!?]$/, '')) > 1;
		const endsWithPeriod = /[.!?]$/.test(plain.trim()) || /[.!?]\)$/.test(plain.trim());
		if (many && !endsWithPeriod) problems.push('several sentences without a final period');
		if (!many && kind === 'description' && /(?<!\b(e\.g|i\.e|etc))\.$/.test(plain.trim())) problems.push('a single sentence with a final period (n8n style: none)');
	}
	if ((kind === 'displayName' || kind === 'action') && /[.:;]$/.test(plain.trim())) problems.push('a name ending in punctuation');
	return problems;
}

export const findingsOf = (texts: Text[]): string[] =>
	texts.flatMap((t) => problemsOf(t).map((problem) => `${t.where} ${t.kind}: ${problem}: "${t.text}"`));

describe('what the editor shows of the node and the credential reads cleanly', () => {
	test('the checker itself flags each kind of problem', () => {
		const at = (kind: Kind, text: string) => problemsOf({ where: 'x', kind, text });
		expect(at('description', 'The maximum size.. Choose from the list.')).toEqual(['doubled or misplaced punctuation']);
		expect(at('description', 'Uploads the file. Then links it')).toEqual(['several sentences without a final period']);
		expect(at('description', 'Uploads the file.')).toEqual(['a single sentence with a final period (n8n style: none)']);
		expect(at('description', 'Lade die Datei hoch')).toEqual(['non-English word (Datei)']);
		expect(at('description', 'Größe der Datei')).toEqual(['non-English characters (öß)', 'non-English word (Datei)']);
		expect(at('hint', 'TODO describe this')).toEqual(['placeholder text (TODO)']);
		expect(at('description', 'e.g. a Document. Choose one.')).toEqual([]);
		expect(at('description', 'The file, e.g. contract.pdf')).toEqual([]);
		expect(at('displayName', 'Entity Type')).toEqual([]);
	});

	test('the node EspoCRM Attachment: no finding', () => {
		const texts = nodeTexts(nodeTypes.getByNameAndVersion(PACKAGE_NODE_TYPE, 1).description);
		expect(texts.length).toBeGreaterThan(100);
		expect(findingsOf(texts)).toEqual([]);
	});

	test.each(loadedPackage().nodeTypes.filter((type) => type !== PACKAGE_NODE_TYPE))('the node %s: no finding', (type) => {
		const texts = nodeTexts(nodeTypes.getByNameAndVersion(type, 1).description);
		expect(texts.length).toBeGreaterThan(5);
		expect(findingsOf(texts)).toEqual([]);
	});

	test('the credential EspoCRM API: no finding', () => {
		const texts = credentialTexts(credentialType('espoCrmApi'));
		expect(texts.length).toBeGreaterThan(10);
		expect(findingsOf(texts)).toEqual([]);
	});
});
