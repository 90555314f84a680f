// The response shapes EspoCRM sends, by family (observed §0.1).
//
//   A. controller / record-service errors: `Content-Type: application/json`, X-Status-Reason = message.
//   B. action-class routes (file, chunk, copy) and auth: PHP's default `Content-type: text/html; charset=UTF-8`.
//   C. no route matched: Slim's 665-byte HTML page, `Content-type: text/html;charset=UTF-8`.
//
// Node writes header names with the case given to setHeader, and header values as latin1 bytes,
// so the odd spellings below reach the wire exactly as PHP sends them.
import type { ServerResponse } from 'node:http';

export type ErrorFamily = 'A' | 'B';

/** An EspoCRM exception. `reason` null = no X-Status-Reason header; '' = the header present and empty. */
export class EspoError extends Error {
	constructor(
		readonly status: number,
		readonly reason: string | null,
		readonly body?: unknown,
	) {
		super(reason ?? `HTTP ${status}`);
	}
}

export const badRequest = (reason: string | null = '', body?: unknown) => new EspoError(400, reason, body);
export const forbidden = (reason: string | null = '', body?: unknown) => new EspoError(403, reason, body);
export const notFound = (reason: string | null = '') => new EspoError(404, reason);
export const conflict = (reason: string, body: unknown) => new EspoError(409, reason, body);
export const serverError = (reason: string | null = null) => new EspoError(500, reason);

/** `Field validation failure; …` with its messageTranslation body (observed §2.19, §5.01). */
export function validationFailure(entityType: string, field: string, type = 'required'): EspoError {
	return badRequest(`Field validation failure; entityType: ${entityType}, field: ${field}, type: ${type}.`, {
		messageTranslation: { label: 'validationFailure', scope: null, data: { field, type } },
	});
}

/** 'YYYY-MM-DD HH:MM:SS' in UTC, the format of createdAt/modifiedAt (observed §2.01). */
export function espoDateTime(date = new Date()): string {
	return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** Headers every Espo response carries (observed §0.1). */
export function setEspoHeaders(res: ServerResponse): void {
	res.setHeader('Cache-Control', 'no-store, no-cache, must-revalidate, post-check=0, pre-check=0');
	res.setHeader('Expires', '0');
	res.setHeader('Last-Modified', new Date().toUTCString());
	res.setHeader('X-App-Timestamp', String(Math.floor(Date.now() / 1000)));
	res.setHeader('Pragma', 'no-cache');
}

/**
 * PHP's `json_encode` with its default flags, as Espo's `Json::encode()` calls it in every line
 * (observed §2.28, §9): every non-ASCII UTF-16 unit as `\uXXXX` (so an astral character becomes a
 * surrogate pair, `😀` → `\ud83d\ude00`), and `/` as `\/`. Both occur only inside JSON strings,
 * so rewriting `JSON.stringify`'s output is exact.
 */
export function phpJsonEncode(value: unknown): string {
	return JSON.stringify(value).replace(/[\u0080-\uffff/]/g, (char) =>
		char === '/' ? '\\/' : `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
	);
}

/** A successful JSON response. `undefined` sends a 0-byte body (observed §6.18). */
export function sendJson(res: ServerResponse, value: unknown, status = 200): void {
	res.statusCode = status;
	res.setHeader('Content-Type', 'application/json');
	setEspoHeaders(res);
	res.end(value === undefined ? '' : phpJsonEncode(value));
}

/** PHP's default content type, used when Espo itself set none (family B). */
export const PHP_DEFAULT_CT = 'text/html; charset=UTF-8';

export function sendError(res: ServerResponse, family: ErrorFamily, error: EspoError): void {
	res.statusCode = error.status;
	if (family === 'A') {
		res.setHeader('Content-Type', 'application/json');
	} else {
		res.setHeader('Content-type', PHP_DEFAULT_CT);
	}
	if (error.reason !== null) res.setHeader('X-Status-Reason', headerSafe(error.reason));
	setEspoHeaders(res);
	if (error.body === undefined) {
		res.end();
	} else {
		res.end(typeof error.body === 'string' ? error.body : phpJsonEncode(error.body));
	}
}

/** Espo replaces characters that are invalid in a header with spaces (api §7). */
function headerSafe(value: string): string {
	return value.replace(/[^\t\x20-\x7e]/g, ' ');
}

/** 401 (observed §1): family B, never an X-Status-Reason, `WWW-Authenticate` only when no credentials were sent. */
export function sendUnauthorized(res: ServerResponse, wwwAuthenticate: boolean): void {
	res.statusCode = 401;
	res.setHeader('Content-type', PHP_DEFAULT_CT);
	if (wwwAuthenticate) res.setHeader('WWW-Authenticate', 'Basic realm=""');
	setEspoHeaders(res);
	res.end();
}

// Slim 4's HtmlErrorRenderer page (observed §0.1 family C, 665 bytes for the 404).
function slimPage(title: string, description: string): string {
	return (
		'<!doctype html><html lang="en">    <head>        <meta charset="utf-8">' +
		'        <meta name="viewport" content="width=device-width, initial-scale=1">' +
		`        <title>${title}</title>        <style>` +
		'            body{margin:0;padding:30px;font:12px/1.5 Helvetica,Arial,Verdana,sans-serif}' +
		'            h1{margin:0;font-size:48px;font-weight:normal;line-height:48px}' +
		'            strong{display:inline-block;width:65px}        </style>    </head>    <body>' +
		`        <h1>${title}</h1>        <div><p>${description}</p></div>` +
		'        <a href="#" onClick="window.history.go(-1)">Go Back</a>    </body></html>'
	);
}

export const SLIM_404_PAGE = slimPage(
	'404 Not Found',
	'The requested resource could not be found. Please verify the URI and try again.',
);
const SLIM_405_PAGE = slimPage('405 Method Not Allowed', 'The request method is not supported for the requested resource.');

/** Family C: no route matched (observed §6.28), answered before authentication. */
export function sendSlimNotFound(res: ServerResponse): void {
	res.statusCode = 404;
	res.setHeader('Content-type', 'text/html;charset=UTF-8');
	res.end(SLIM_404_PAGE);
}

export function sendSlimMethodNotAllowed(res: ServerResponse, allowed: string[]): void {
	res.statusCode = 405;
	res.setHeader('Allow', allowed.join(', '));
	res.setHeader('Content-type', 'text/html;charset=UTF-8');
	res.end(SLIM_405_PAGE);
}
