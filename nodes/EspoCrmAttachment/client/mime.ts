import type { INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

// RFC 6838 type and subtype names (restricted-name: a letter or digit, then letters, digits and !#$&-^_.+).
const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;

/**
 * The bare `type/subtype` of a MIME type, lower-cased, its parameters dropped
 * (`text/plain; charset=utf-8` → `text/plain`). The type goes into the data URI, and EspoCRM decodes
 * everything after the first comma (reference §3.1): a parameter such as `profile="a,b"` would
 * corrupt the stored file. Anything that is not a `type/subtype` is refused before a byte is sent.
 */
export function cleanMimeType(
	node: INode,
	itemIndex: number,
	value: string,
	source: string,
	setting = 'the option "MIME Type"',
): string {
	const bare = value.split(';')[0].trim().toLowerCase();
	if (!MIME_TYPE.test(bare)) {
		throw new NodeOperationError(node, `The MIME type ${JSON.stringify(value.slice(0, 80))} (${source}) is not a valid type/subtype`, {
			itemIndex,
			description:
				`Give a MIME type such as application/pdf or image/png in ${setting} (parameters such as ;charset=… are dropped). Nothing was uploaded.`,
		});
	}
	return bare;
}
