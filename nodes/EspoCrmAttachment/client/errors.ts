import type { IDataObject, INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { EspoAuthMethod } from '../../../credentials/espoCrmSigning';

/** What EspoCRM answered when a request failed, parsed once at the transport boundary. */
export interface EspoFailure {
	status: number;
	/** `X-Status-Reason`: EspoCRM puts the exception message there (may be empty). */
	reason: string;
	/** Whether the header was sent at all: EspoCRM's own 404s carry it (possibly empty), a web server's do not. */
	reasonSent: boolean;
	/** `messageTranslation.label` of a JSON error body, e.g. `validationFailure`. */
	label?: string;
	labelData?: IDataObject;
	/** JSON `message` of an error body (503 maintenance, 2FA). */
	bodyMessage?: string;
	body?: unknown;
	contentType: string;
	location?: string;
	method: string;
	path: string;
}

const failures = new WeakMap<Error, EspoFailure>();

/**
 * Errors of requests that got no HTTP answer, with whether the request can have reached EspoCRM and
 * whether the node stopped waiting (a timeout: EspoCRM may still be working on it).
 */
const unanswered = new WeakMap<Error, { mayHaveArrived: boolean; timedOut: boolean }>();

/** Errors whose write may or may not have happened and that EspoCRM could not be asked about. */
const unsettled = new WeakSet<Error>();

/** The EspoCRM answer behind an error thrown by the transport, so callers can react to it. */
export function espoFailureOf(error: unknown): EspoFailure | undefined {
	return error instanceof Error ? failures.get(error) : undefined;
}

/**
 * Whether a write that failed this way may still have happened: no answer after the request may
 * have left (reset, timeout), or a 5xx (PHP may have committed before a proxy answered 502/504).
 * A refused connection or an unknown host never reached EspoCRM.
 */
export function outcomeUnknown(error: unknown): boolean {
	if (!(error instanceof Error)) return false;
	const failure = failures.get(error);
	if (failure) return failure.status >= 500;
	return unanswered.get(error)?.mayHaveArrived === true;
}

/**
 * Whether the request may still be running in EspoCRM when the node learns it failed: the node's own
 * timeout, or a proxy that gave up waiting (504 Gateway Timeout; 524 from Cloudflare). PHP does not
 * stop when the client or the proxy stops waiting, so what it writes can appear seconds later.
 */
export function mayStillBeRunning(error: unknown): boolean {
	if (!(error instanceof Error)) return false;
	const failure = failures.get(error);
	if (failure) return failure.status === 504 || failure.status === 524;
	return unanswered.get(error)?.timedOut === true;
}

/** Marks an error as one whose write EspoCRM could not be asked about: nothing may be cleaned up after it. */
export function markUnsettled<E extends Error>(error: E): E {
	unsettled.add(error);
	return error;
}

export function isUnsettled(error: unknown): boolean {
	return error instanceof Error && unsettled.has(error);
}

/**
 * EspoCRM's refusals of an uploaded file (403 with the reason in `X-Status-Reason`, reference §3.3),
 * read in this one place: `type` says what the node tells the user.
 */
export const UPLOAD_REFUSALS: Record<string, 'fileType' | 'content'> = {
	'Not allowed file type.': 'fileType',
	'Passed type does not correspond to extension.': 'fileType',
	'Detected mime type does not correspond to extension.': 'content',
};

export function uploadRefusalOf(error: unknown): { kind: 'fileType' | 'content'; reason: string } | undefined {
	const failure = espoFailureOf(error);
	if (failure?.status !== 403) return undefined;
	const kind = UPLOAD_REFUSALS[failure.reason];
	return kind ? { kind, reason: failure.reason } : undefined;
}

export function isHtml(contentType: string, text: string): boolean {
	return /html/i.test(contentType) || /^\s*</.test(text);
}

function validationText(data: IDataObject | undefined): string {
	const field = typeof data?.field === 'string' ? data.field : 'a field';
	const type = typeof data?.type === 'string' ? data.type : 'valid';
	return type === 'required'
		? `The field '${field}' is required`
		: `The field '${field}' failed the '${type}' validation`;
}

/**
 * What a request path names, for a 404: `/Case/<id>` and `/Case/<id>/attachments` → `Case <id>`,
 * `/Attachment/file/<id>` → `the file of attachment <id>`, `/Attachment/<id>`, `/Attachment/chunk/<id>`
 * and `/Attachment/copy/<id>` → `attachment <id>`.
 * EspoCRM's own reason (`Record <id> does not exist.`, observed §4.a) names only the id.
 */
function subjectOf(path: string): string | undefined {
	const [entityType, id, third] = path.split('/').filter(Boolean).map((segment) => {
		try {
			return decodeURIComponent(segment);
		} catch {
			return segment;
		}
	});
	if (!entityType || !id || !/^[A-Z][A-Za-z0-9]*$/.test(entityType)) return undefined;
	if (entityType === 'Attachment') {
		if (id === 'file' && third) return `the file of attachment ${third}`;
		if (id === 'chunk' || id === 'copy') return third ? `attachment ${third}` : undefined;
		return id === 'fromImageUrl' ? undefined : `attachment ${id}`;
	}
	return `${entityType} ${id}`;
}

/** Message + hint for a failed request. Never includes a header or credential value. */
export function describeFailure(
	f: EspoFailure,
	authMethod: EspoAuthMethod,
): { message: string; description: string } {
	const what = `${f.method} ${f.path}`;
	const reason = f.reason.trim();
	if (f.status >= 300 && f.status < 400) {
		return {
			message: `EspoCRM redirected the request (${f.status}) to ${f.location ?? 'another address'}`,
			description:
				'The Base URL is probably not the final address of your EspoCRM (http instead of https, or a missing sub-directory). Put the address the browser ends up on into the credential\'s Base URL.',
		};
	}
	if (f.status === 401) {
		if (reason === 'second-step-required') {
			return {
				message: 'EspoCRM asks for a two-factor code for this user (401 second-step-required)',
				description:
					'Users with two-factor authentication cannot be used unattended. Create an API user (Administration → API Users) and use the API Key or HMAC method.',
			};
		}
		const hints: Record<EspoAuthMethod, string> = {
			apiKey:
				'Check the API Key: it must belong to an active API user whose authentication method is "API Key" (an HMAC user\'s key is not accepted as a plain key).',
			hmac: 'Check the API Key and the Secret Key of the HMAC API user. EspoCRM older than 8.4.1 only accepts the raw signature: set "HMAC Signature Format" to "Raw Digest" in the credential.',
			password:
				'Check the username and password. API users and users with two-factor authentication cannot sign in with a password; an API user with the API Key method is the recommended setup.',
		};
		return { message: 'EspoCRM rejected the credentials (401 Unauthorized)', description: hints[authMethod] };
	}
	if (f.label === 'validationFailure') {
		return {
			message: `EspoCRM refused the data: ${validationText(f.labelData)} (${f.status})`,
			description: 'Give the field a value (in "Record Fields") or check its format.',
		};
	}
	if (f.label === 'cannotRelateNonExisting') {
		return {
			message: `EspoCRM cannot link a record that does not exist (${f.status}): ${reason || 'cannotRelateNonExisting'}`,
			description: 'The attachment or record ID is wrong, or the attachment was deleted in the meantime.',
		};
	}
	if (f.label === 'cannotRelateForbidden' || f.label === 'noAccessToForeignRecord') {
		return {
			message: `EspoCRM does not let this user link that attachment (${f.status}): ${reason || f.label}`,
			description:
				'The attachment belongs to another user and is not readable by the API user. Upload and link with the same user, or copy the attachment first.',
		};
	}
	switch (f.status) {
		case 400:
			return {
				message: `EspoCRM rejected the request as invalid (400)${reason ? `: ${reason}` : ''}`,
				description: `Request: ${what}.`,
			};
		case 403:
			if (UPLOAD_REFUSALS[reason] === 'fileType') {
				return {
					message: `EspoCRM does not allow this file type for the field (403 ${reason})`,
					description:
						'The field accepts only certain file types (Administration → Entity Manager → the entity → Fields → the field → Accept). Check the file name\'s extension and, for Image fields, that the MIME type matches it exactly (image/jpeg for .jpg).',
				};
			}
			if (/^Attachment\//.test(f.path.slice(1)) && /^No ('read'|edit|delete) access\.$/.test(reason)) {
				const action = reason.includes('delete') ? 'delete' : reason.includes('edit') ? 'change' : 'read';
				return {
					message: `EspoCRM does not let this user ${action} the attachment (403 ${reason})`,
					description:
						action === 'read'
							? 'The attachment was uploaded by another user and is not linked to a record this user can read. Use the EspoCRM user that uploaded it, or link it to a record first (an admin user can read every attachment).'
							: `Only the user who uploaded an attachment (or an admin) can ${action} it; a role cannot change that.`,
				};
			}
			if (reason === '') {
				return {
					message: `EspoCRM refused access (403) to ${what}`,
					description:
						'The API user\'s role has no access to this. If this came right after several failed logins, EspoCRM may be blocking this IP address for a minute.',
				};
			}
			if (/^No .*access|^No access to|access for link operation/i.test(reason)) {
				return {
					message: `EspoCRM refused the request (403): ${reason}`,
					description:
						'Check the role of the API user in EspoCRM (Administration → Roles): it needs read, create and edit access to the entity type and edit access to the field.',
				};
			}
			return {
				message: `EspoCRM refused the request (403): ${reason}`,
				description: `Request: ${what}.`,
			};
		case 404:
			if (!f.reasonSent && !f.label) {
				return {
					message: `The Base URL does not lead to the EspoCRM API (404 for ${what})`,
					description:
						'Use the address you open EspoCRM at in the browser, e.g. https://crm.example.com or https://example.com/crm; the node adds /api/v1 itself.',
				};
			}
			return {
				message: `EspoCRM could not find ${subjectOf(f.path) ?? 'it'} (404)${reason ? `: ${reason}` : `: ${what}`}`,
				description: 'Check the ID and the entity type. The record or attachment may have been deleted, or the API user cannot see it.',
			};
		case 409:
			if (reason === 'modified') {
				return {
					message: 'The record was changed by someone else at the same time (409 modified)',
					description: 'Run the node again; it re-reads the record before writing.',
				};
			}
			if (reason === 'duplicate') {
				return {
					message: 'EspoCRM found a duplicate of the new record (409 duplicate)',
					description: 'Enable the option "Skip Duplicate Check" to create the record anyway, or link to the existing record.',
				};
			}
			return { message: `EspoCRM reported a conflict (409)${reason ? `: ${reason}` : ''}`, description: `Request: ${what}.` };
		case 413:
			return {
				message: `The web server in front of EspoCRM answered 413: the request is too large (${what})`,
				description:
					'A body size limit (nginx client_max_body_size, Apache LimitRequestBody, PHP post_max_size) is smaller than this upload. Set the option "Chunk Size (MB)" below that limit (chunked uploads send one chunk per request), or ask the administrator to raise it.',
			};
		case 503:
			return {
				message: 'EspoCRM is in maintenance mode (503)',
				description: f.bodyMessage ?? 'Try again when the administrator has turned maintenance mode off.',
			};
		default:
			// A proxy's own answer (nginx, Apache, Cloudflare) carries no X-Status-Reason; EspoCRM's does.
			if ((f.status === 504 || f.status === 524) && !f.reasonSent) {
				return {
					message: `The web server in front of EspoCRM stopped waiting for it (${f.status} Gateway Timeout)`,
					description: `Request: ${what}. PHP may have gone on and finished it; the node asks EspoCRM what it holds before it cleans up or sends anything again. For big files, raise the proxy's timeout (nginx: proxy_read_timeout or fastcgi_read_timeout) or set the option "Chunk Size (MB)" lower.`,
				};
			}
			if (f.status === 502 && !f.reasonSent) {
				return {
					message: 'The web server in front of EspoCRM got no valid answer from it (502 Bad Gateway)',
					description: `Request: ${what}. PHP may have stopped or restarted (the web server's error log and EspoCRM's data/logs say why); the node asks EspoCRM what it holds before it cleans up or sends anything again.`,
				};
			}
			if (f.status >= 500) {
				return {
					message: `EspoCRM had an internal error (${f.status})${reason ? `: ${reason}` : ''}`,
					description: `Request: ${what}. The details are in EspoCRM's log (data/logs on the server).`,
				};
			}
			return {
				message: `EspoCRM answered ${f.status}${reason ? `: ${reason}` : ''}`,
				description: `Request: ${what}.`,
			};
	}
}

export function espoApiError(
	node: INode,
	failure: EspoFailure,
	authMethod: EspoAuthMethod,
	itemIndex?: number,
): NodeApiError {
	const { message, description } = describeFailure(failure, authMethod);
	const response: JsonObject = {
		status: failure.status,
		reason: failure.reason,
		request: `${failure.method} ${failure.path}`,
	};
	if (failure.label) response.label = failure.label;
	const error = new NodeApiError(node, response, {
		message,
		description,
		httpCode: String(failure.status),
		itemIndex,
	});
	failures.set(error, failure);
	return error;
}

/** What a 2xx that is not the API's answer (a login page, a proxy's page) means; also the credential test's message. */
export const NOT_THE_API = {
	message: 'The Base URL answered with a web page instead of the EspoCRM API',
	description:
		'The Base URL probably points at a login page, a proxy or another site. Use the address of EspoCRM itself (e.g. https://crm.example.com, without #… or /index.php); the node adds /api/v1.',
};

/** A request that got a 2xx answer that is not what the API sends (an HTML page, not JSON). */
export function notTheApiError(
	node: INode,
	failure: EspoFailure,
	itemIndex?: number,
): NodeApiError {
	const error = new NodeApiError(
		node,
		{ status: failure.status, request: `${failure.method} ${failure.path}` },
		{ ...NOT_THE_API, httpCode: String(failure.status), itemIndex },
	);
	failures.set(error, failure);
	return error;
}

const NETWORK_HINTS: Array<[RegExp, string, string]> = [
	[/ECONNREFUSED/, 'Could not connect to EspoCRM at {host}: connection refused', 'Is the Base URL right (host and port), and is EspoCRM running?'],
	[/ENOTFOUND|EAI_AGAIN/, 'Could not find the host {host} (DNS lookup failed)', 'Check the host name in the Base URL.'],
	[/ETIMEDOUT|ECONNABORTED|timeout/i, 'EspoCRM at {host} did not answer in time', 'The server is slow or unreachable. Raise the "Timeout" option for big files, or check the network.'],
	[/ECONNRESET|socket hang up|aborted|EPIPE/i, 'The connection to EspoCRM at {host} was closed in the middle of the request', 'A proxy or the server dropped the connection (often a body size limit such as nginx client_max_body_size). Try again, or lower the chunk size.'],
	[/CERT|certificate|self[- ]signed|SSL|TLS/i, 'The TLS certificate of {host} is not trusted', 'If EspoCRM uses a self-signed certificate, enable "Ignore SSL Issues (Insecure)" in the credential, or install the CA on the n8n host.'],
];

/** The node stopped waiting: EspoCRM may still be working on the request. */
const TIMED_OUT = /ETIMEDOUT|ECONNABORTED|timeout/i;
/** Failures before any byte reached EspoCRM: the request cannot have been handled. */
const NEVER_ARRIVED = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|CERT|certificate|self[- ]signed/i;

/** A request that got no HTTP answer at all. The message names the host, never a header. */
export function networkError(
	node: INode,
	error: unknown,
	host: string,
	itemIndex?: number,
): NodeApiError {
	const code = codeOf(error);
	const { message, description } = describeNetworkFailure(error, host);
	const apiError = new NodeApiError(node, { code: code || 'network error' }, { message, description, itemIndex });
	unanswered.set(apiError, { mayHaveArrived: !NEVER_ARRIVED.test(code), timedOut: TIMED_OUT.test(code) });
	return apiError;
}

/** Message + hint for a request that got no HTTP answer. Names the host, never a header or credential. */
export function describeNetworkFailure(error: unknown, host: string): { message: string; description: string } {
	const code = codeOf(error);
	const match = NETWORK_HINTS.find(([pattern]) => pattern.test(code));
	const [, message, description] = match ?? [
		/./,
		`Could not reach EspoCRM at {host} (${code || 'network error'})`,
		'Check the Base URL and the network between n8n and EspoCRM.',
	];
	return { message: message.replace('{host}', host), description };
}

function codeOf(error: unknown): string {
	const seen = new Set<unknown>();
	let current: unknown = error;
	const parts: string[] = [];
	while (current && typeof current === 'object' && !seen.has(current)) {
		seen.add(current);
		const e = current as { code?: unknown; message?: unknown; cause?: unknown };
		if (typeof e.code === 'string') parts.push(e.code);
		if (typeof e.message === 'string') parts.push(e.message.split('\n')[0].slice(0, 200));
		current = e.cause;
	}
	return parts.join(' ');
}

/** An error caught on its way up, as the NodeApiError or NodeOperationError it already is (or wrapped). */
export function asNodeError(node: INode, error: unknown): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError) return error;
	if (error instanceof NodeOperationError) return new NodeOperationError(node, error);
	return new NodeApiError(node, error as JsonObject);
}

/**
 * A copy of a (group's) error for one item: its own index, its own note, the same cause. Items
 * written together must not share one error object (each names its own item and attachment).
 */
export function errorForItem(node: INode, error: unknown, itemIndex: number, note?: string): NodeApiError | NodeOperationError {
	const cause = error instanceof NodeApiError || error instanceof NodeOperationError ? error : asNodeError(node, error);
	const description = [cause.description ?? '', note ?? ''].filter((part) => part.trim() !== '').join(' ');
	const copy =
		cause instanceof NodeApiError
			? new NodeApiError(node, { message: cause.message } as JsonObject, {
					message: cause.message.replace(/ \[item \d+\]$/, ''),
					description,
					httpCode: cause.httpCode ?? undefined,
					itemIndex,
				})
			: new NodeOperationError(node, cause.message.replace(/ \[item \d+\]$/, ''), { description, itemIndex });
	const failure = espoFailureOf(cause);
	if (failure) failures.set(copy, failure);
	const info = unanswered.get(cause);
	if (info) unanswered.set(copy, info);
	if (unsettled.has(cause)) unsettled.add(copy);
	return copy;
}
