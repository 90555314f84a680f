// The request pipeline: `<basePath>/api/v1/...` → latency → faults → route (Slim 404 before auth)
// → authentication → maintenance → body → handler → response family. Other paths: the control
// surface (`/__emulator/...`) and a web-UI stand-in at the site root.
import type { IncomingMessage, ServerResponse } from 'node:http';

import { Acl } from './acl';
import { publicSettings } from './app';
import { Authenticator, SECOND_STEP_BODY } from './auth';
import type { Services } from './context';
import { type FaultAction, Faults } from './faults';
import {
	EspoError,
	PHP_DEFAULT_CT,
	sendError,
	sendJson,
	sendSlimMethodNotAllowed,
	sendSlimNotFound,
	sendUnauthorized,
	setEspoHeaders,
} from './http';
import { buildRoutes, matchRoute, RESPONDED, type Route, type RouteRequest } from './routes';

export interface RequestLogEntry {
	method: string;
	/** The path after `/api/v1`, without the query. */
	path: string;
	query: string;
	/** The response status; 0 when the connection was dropped before an answer. */
	status: number;
	reqHeaders: Record<string, string | string[] | undefined>;
	/** Epoch milliseconds. */
	startedAt: number;
	durationMs: number;
	/** The answer's X-Status-Reason; undefined when it had none (a lockout 403, observed §1.b). */
	statusReason?: string;
}

const API_PREFIX = '/api/v1';

export const WEB_UI_LOGIN_PAGE =
	'<!doctype html><html><head><meta charset="utf-8"><title>EspoCRM</title></head>' +
	'<body><div id="login"><form><input name="username"><input name="password" type="password">' +
	'<button type="submit">Log in</button></form></div></body></html>';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class EmulatorServer {
	readonly auth: Authenticator;
	readonly faults = new Faults();
	readonly log: RequestLogEntry[] = [];
	maintenance = false;
	latencyMs = 0;
	private readonly routes: Route[];
	private readonly bodyBuffers = new BodyBuffers();

	constructor(
		readonly services: Services,
		readonly basePath: string,
		private readonly control: (req: IncomingMessage, res: ServerResponse, path: string, query: string) => Promise<void>,
	) {
		this.auth = new Authenticator(services.profile, services.authTokens);
		this.routes = buildRoutes(services.profile);
	}

	/** The `node:http` request listener. */
	readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
		this.dispatch(req, res).catch((error: unknown) => {
			if (!res.headersSent) {
				sendError(res, 'A', new EspoError(500, null));
			} else {
				res.destroy();
			}
			console.error('[espocrm-emulator]', error);
		});
	};

	private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const url = req.url ?? '/';
		const queryAt = url.indexOf('?');
		const path = queryAt < 0 ? url : url.slice(0, queryAt);
		const query = queryAt < 0 ? '' : url.slice(queryAt + 1);
		// The control surface answers at the root and under the sub-directory; the API only under it.
		if (path.startsWith('/__emulator/')) return this.control(req, res, path, query);
		const inside = !this.basePath || path === this.basePath || path.startsWith(`${this.basePath}/`);
		const local = inside ? path.slice(this.basePath.length) || '/' : undefined;

		if (local?.startsWith('/__emulator/')) return this.control(req, res, local, query);
		if (local === API_PREFIX || local?.startsWith(`${API_PREFIX}/`)) {
			const resourcePath = local.slice(API_PREFIX.length) || '/';
			return this.handleApi(req, res, resourcePath, query);
		}
		if (local === '/') {
			res.setHeader('Content-Type', 'text/html; charset=UTF-8');
			res.end(WEB_UI_LOGIN_PAGE);
			return;
		}
		res.statusCode = 404;
		res.setHeader('Content-Type', 'text/plain');
		res.end('Not Found');
	}

	private async handleApi(req: IncomingMessage, res: ServerResponse, resourcePath: string, query: string): Promise<void> {
		const method = (req.method ?? 'GET').toUpperCase();
		const entry: RequestLogEntry = { method, path: resourcePath, query, status: 0, reqHeaders: { ...req.headers }, startedAt: Date.now(), durationMs: 0 };
		res.on('close', () => {
			entry.status = res.headersSent ? res.statusCode : 0;
			const reason = res.headersSent ? res.getHeader('X-Status-Reason') : undefined;
			if (reason !== undefined) entry.statusReason = String(reason);
			entry.durationMs = Date.now() - entry.startedAt;
			this.log.push(entry);
		});

		if (this.latencyMs > 0) await sleep(this.latencyMs);

		const fault = this.faults.match(method, resourcePath);
		let dropAfterHandling = false;
		if (fault) {
			const outcome = await this.applyFault(fault, req, res);
			if (outcome === 'answered') return;
			dropAfterHandling = outcome === 'drop-after';
			if (outcome === 'truncate-response') truncateResponse(res);
		}
		if (dropAfterHandling) dropResponse(res);

		const match = matchRoute(this.routes, method, resourcePath);
		if (!match || ('route' in match && match.route.absent)) return sendSlimNotFound(res);
		if ('allowed' in match) return sendSlimMethodNotAllowed(res, match.allowed);
		const { route, params } = match;

		const ip = req.socket.remoteAddress ?? '127.0.0.1';
		const authRequest = { method, resourcePath, headers: req.headers, ip };
		const result = this.auth.authenticate(authRequest);
		if (result.kind !== 'user') {
			if (route.auth === 'optional') return sendJson(res, publicSettings(this.services));
			switch (result.kind) {
				case 'noCredentials':
					return sendUnauthorized(res, this.auth.wantsWwwAuthenticate(authRequest));
				case 'denied':
					return sendUnauthorized(res, false);
				case 'secondStepRequired':
					return sendError(res, 'B', new EspoError(401, 'second-step-required', SECOND_STEP_BODY));
				case 'lockedOut':
					return sendError(res, 'B', new EspoError(403, null));
			}
		}
		if (this.maintenance && result.user.type !== 'admin') {
			const message = 'Application is in maintenance mode.';
			return sendError(res, 'B', new EspoError(503, message, { message }));
		}

		const body = await readBody(req, this.bodyBuffers, fault !== undefined && 'drop' in fault && fault.drop === 'mid-body');
		if (!body) return; // the connection was dropped halfway
		if (fault && 'proxyTimeout' in fault) {
			answerAsGatewayTimeout(res, fault.proxyTimeout.status ?? 504);
			await sleep(fault.proxyTimeout.handleAfterMs);
		}
		const ctx: RouteRequest = {
			...this.services,
			user: result.user,
			token: result.token,
			acl: new Acl(result.user, this.services.store),
			method,
			params,
			query,
			headers: req.headers,
			body: body.data,
			ip,
		};
		try {
			// Most handlers are synchronous; a non-atomic OCC update (records.ts) answers later.
			const value = await route.handle(ctx, res);
			if (value !== RESPONDED) sendJson(res, value);
		} catch (error) {
			if (!(error instanceof EspoError)) throw error;
			sendError(res, route.family, error);
		} finally {
			// The handler has finished and copied what it keeps, so the buffer is free again.
			if (body.pooled) this.bodyBuffers.release(body.pooled);
		}
	}

	/** 'answered': the fault answered; 'continue': handle normally; the others change how the answer goes out. */
	private async applyFault(
		fault: FaultAction,
		req: IncomingMessage,
		res: ServerResponse,
	): Promise<'answered' | 'continue' | 'drop-after' | 'truncate-response'> {
		if ('delayMs' in fault) {
			await sleep(fault.delayMs);
			return 'continue';
		}
		if ('proxyTimeout' in fault) return 'continue'; // answered and delayed once the body is read (dispatch)
		if ('drop' in fault) {
			if (fault.drop === 'before-body') {
				req.socket.destroy();
				return 'answered';
			}
			if (fault.drop === 'after-handling') return 'drop-after';
			return hasRequestBody(req) ? 'continue' : 'truncate-response';
		}
		if ('htmlLogin' in fault) {
			res.statusCode = 200;
			res.setHeader('Content-Type', 'text/html; charset=UTF-8');
			res.end(WEB_UI_LOGIN_PAGE);
			return 'answered';
		}
		if ('redirect' in fault) {
			res.statusCode = fault.status ?? 302;
			res.setHeader('Location', fault.redirect);
			res.end();
			return 'answered';
		}
		res.statusCode = fault.status;
		res.setHeader('Content-Type', fault.contentType ?? PHP_DEFAULT_CT);
		if (fault.reason !== undefined) res.setHeader('X-Status-Reason', fault.reason);
		setEspoHeaders(res);
		res.end(fault.body ?? '');
		return 'answered';
	}
}

function hasRequestBody(req: IncomingMessage): boolean {
	return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
}

const MiB = 1024 * 1024;
const POOLED_BODY_MAX = 16 * MiB;

/**
 * Reused request-body buffers (up to 16 MiB): chunks arrive one after another, so a few buffers
 * serve a whole 256 MiB upload and the emulator's RSS stays flat (issue #3).
 */
class BodyBuffers {
	private readonly free: Buffer[] = [];

	acquire(size: number): Buffer {
		const at = this.free.findIndex((buffer) => buffer.length >= size);
		if (at >= 0) return this.free.splice(at, 1)[0];
		return Buffer.allocUnsafe(size <= POOLED_BODY_MAX ? Math.ceil(size / MiB) * MiB : size);
	}

	release(buffer: Buffer): void {
		if (buffer.length <= POOLED_BODY_MAX && this.free.length < 4) this.free.push(buffer);
	}
}

interface Body {
	data: Buffer;
	/** The buffer to give back to the pool once the request is handled. */
	pooled?: Buffer;
}

/**
 * The whole body in one buffer (a chunk is a few MiB; the one big single upload may cost memory).
 * With `dropHalfway`, the socket is destroyed after half of it and null is returned.
 */
function readBody(req: IncomingMessage, pool: BodyBuffers, dropHalfway = false): Promise<Body | null> {
	const declared = Number(req.headers['content-length'] ?? NaN);
	return new Promise((resolve, reject) => {
		const known = Number.isFinite(declared) && declared >= 0;
		const buffer = known ? pool.acquire(declared) : null;
		const parts: Buffer[] = [];
		let received = 0;
		let done = false;
		const finish = (body: Body | null) => {
			if (done) return;
			done = true;
			if (!body && buffer) pool.release(buffer);
			resolve(body);
		};
		req.on('data', (chunk: Buffer) => {
			if (buffer && received + chunk.length <= declared) chunk.copy(buffer, received);
			else parts.push(chunk);
			received += chunk.length;
			if (dropHalfway && received >= (known ? declared / 2 : 1)) {
				req.socket.destroy();
				finish(null);
			}
		});
		req.on('end', () => {
			if (!buffer) return finish({ data: Buffer.concat(parts) });
			const head = buffer.subarray(0, Math.min(received, declared));
			if (parts.length === 0) return finish({ data: head, pooled: buffer });
			pool.release(buffer);
			finish({ data: Buffer.concat([head, ...parts]) });
		});
		req.on('error', reject);
		req.on('aborted', () => finish(null));
	});
}

/** Fault `after-handling`: the request is handled, then the socket is destroyed instead of answering. */
/** Fault `proxyTimeout`: the proxy's answer (if any) goes out now; whatever the handler answers later is discarded. */
function answerAsGatewayTimeout(res: ServerResponse, status: number): void {
	if (status > 0) {
		res.statusCode = status;
		res.setHeader('Content-Type', 'text/html');
		res.end(`<html><head><title>${status} Gateway Time-out</title></head><body><center><h1>${status} Gateway Time-out</h1></center><hr><center>nginx</center></body></html>`);
	}
	res.setHeader = (() => res) as typeof res.setHeader;
	res.writeHead = (() => res) as typeof res.writeHead;
	res.write = (() => true) as typeof res.write;
	res.end = (() => res) as typeof res.end;
}

function dropResponse(res: ServerResponse): void {
	const destroy = () => {
		res.socket?.destroy();
		return res;
	};
	res.write = ((): boolean => {
		destroy();
		return false;
	}) as typeof res.write;
	res.end = destroy as typeof res.end;
}

/** Fault `mid-body` on a request without a body: write half the response body, then destroy the socket. */
function truncateResponse(res: ServerResponse): void {
	const write = res.write.bind(res) as (chunk: Buffer) => boolean;
	let written = 0;
	const total = (extra: number) => Number(res.getHeader('content-length') ?? written + extra);
	const writeUpToHalf = (data: Buffer): boolean => {
		const half = Math.floor(total(data.length) / 2);
		const room = Math.max(0, half - written);
		if (room > 0) write(data.subarray(0, Math.min(room, data.length)));
		written += Math.min(room, data.length);
		if (written >= half) {
			setImmediate(() => res.socket?.destroy());
			return false;
		}
		return true;
	};
	res.write = ((chunk: string | Buffer) => writeUpToHalf(Buffer.from(chunk))) as typeof res.write;
	res.end = ((chunk?: string | Buffer | (() => void)) => {
		const data = chunk && typeof chunk !== 'function' ? Buffer.from(chunk) : Buffer.alloc(0);
		if (!res.headersSent && res.getHeader('content-length') === undefined) res.setHeader('Content-Length', String(written + data.length));
		writeUpToHalf(data);
		setImmediate(() => res.socket?.destroy());
		return res;
	}) as typeof res.end;
}
