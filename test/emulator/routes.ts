// The API routes, in Espo's routes.json order (Slim: the first pattern that matches wins;
// HEAD is served by the GET route, observed §4.09). Unmatched paths get Slim's page (family C).
import type { ServerResponse } from 'node:http';

import { API_INDEX, destroyAuthToken, getAbout, getAppUser, getMetadata, userSettings } from './app';
import {
	deleteAttachment,
	getAttachment,
	listAttachments,
	postAttachment,
	postCopy,
	putAttachment,
	sendAttachmentFile,
} from './attachments';
import { postChunk } from './chunks';
import type { ApiContext } from './context';
import { type ErrorFamily, notFound } from './http';
import { entityDef } from './metadata';
import type { Profile } from './profiles';
import type { WebhookHub } from './webhooks';
import { deleteLink, deleteRecord, getRecord, listLinked, listRecords, postAction, postLink, postRecord, updateRecord } from './records';

/** Returned by handlers that wrote the response themselves (the download stream). */
export const RESPONDED = Symbol('responded');

export interface RouteRequest extends ApiContext {
	ip: string;
}

export interface Route {
	methods: readonly string[];
	/** Path segments; `:name` is a placeholder for one non-empty segment. */
	pattern: readonly string[];
	/** Error shape of this route (observed §0.1). */
	family: ErrorFamily;
	/** `optional`: `GET Settings` also answers without (valid) credentials (observed §1.19, §1.20). */
	auth: 'required' | 'optional';
	/** A route this server version does not have: answered as if no route matched (before auth). */
	absent?: boolean;
	handle(ctx: RouteRequest, res: ServerResponse): unknown;
}

const route = (
	methods: string[],
	path: string,
	handle: Route['handle'],
	options: { family?: ErrorFamily; auth?: Route['auth'] } = {},
): Route => ({
	methods,
	pattern: path.split('/').filter(Boolean),
	family: options.family ?? 'A',
	auth: options.auth ?? 'required',
	handle,
});

/** Record controllers: the demo entity types and Attachment. Anything else: `Controller 'X' does not exist.` (observed §6.26, §6.30). */
function recordController(name: string): 'Attachment' | 'Record' {
	if (name === 'Attachment') return 'Attachment';
	if (entityDef(name)) return 'Record';
	throw notFound(`Controller '${name}' does not exist.`);
}

function webhookHub(ctx: RouteRequest): WebhookHub {
	if (!ctx.webhooks) throw notFound("Controller 'Webhook' does not exist.");
	return ctx.webhooks;
}

export function buildRoutes(profile: Profile): Route[] {
	const routes: Route[] = [
		route(['GET'], '/', () => API_INDEX),
		route(['GET'], '/App/user', (ctx) => getAppUser(ctx, ctx.ip)),
		route(['GET'], '/App/about', getAbout),
		route(['POST'], '/App/destroyAuthToken', destroyAuthToken),
		route(['GET'], '/Metadata', getMetadata),
		// Without valid credentials the server answers the public settings instead (observed §1.19, §1.20).
		route(['GET'], '/Settings', (ctx) => userSettings(ctx, ctx.user), { auth: 'optional' }),
		route(['GET'], '/Attachment/file/:id', (ctx, res) => {
			sendAttachmentFile(ctx, res);
			return RESPONDED;
		}, { family: 'B' }),
	];
	// A pre-7.2 server has no chunk route; the issue asks for Slim's page there, not the generic link route.
	routes.push(
		profile.chunkEndpoint
			? route(['POST'], '/Attachment/chunk/:id', postChunk, { family: 'B' })
			: { ...route(['POST'], '/Attachment/chunk/:id', () => undefined), absent: true },
	);
	routes.push(
		route(['POST'], '/Attachment/copy/:id', postCopy, { family: 'B' }),
		// The Webhook controller (observed §10.1); its create answers 201.
		route(['GET'], '/Webhook', (ctx) => webhookHub(ctx).list(ctx)),
		route(['POST'], '/Webhook', (ctx, res) => {
			webhookHub(ctx).create(ctx, res);
			return RESPONDED;
		}),
		route(['GET'], '/Webhook/:id', (ctx) => webhookHub(ctx).read(ctx)),
		route(['PUT', 'PATCH'], '/Webhook/:id', (ctx) => webhookHub(ctx).update(ctx)),
		route(['DELETE'], '/Webhook/:id', (ctx) => webhookHub(ctx).delete(ctx)),
		route(['POST'], '/Action', postAction, { family: 'B' }),
		route(['GET'], '/:controller', (ctx) =>
			recordController(ctx.params.controller) === 'Attachment' ? listAttachments(ctx) : listRecords(ctx, ctx.params.controller),
		),
		route(['POST'], '/:controller', (ctx) =>
			recordController(ctx.params.controller) === 'Attachment' ? postAttachment(ctx) : postRecord(ctx, ctx.params.controller),
		),
		route(['GET'], '/:controller/:id', (ctx) =>
			recordController(ctx.params.controller) === 'Attachment' ? getAttachment(ctx) : getRecord(ctx, ctx.params.controller),
		),
		route(['PUT', 'PATCH'], '/:controller/:id', (ctx) =>
			recordController(ctx.params.controller) === 'Attachment' ? putAttachment(ctx) : updateRecord(ctx, ctx.params.controller),
		),
		route(['DELETE'], '/:controller/:id', (ctx) =>
			recordController(ctx.params.controller) === 'Attachment' ? deleteAttachment(ctx) : deleteRecord(ctx, ctx.params.controller),
		),
		route(['GET'], '/:controller/:id/:link', (ctx) => {
			if (recordController(ctx.params.controller) === 'Attachment') throw notFound('');
			return listLinked(ctx, ctx.params.controller);
		}),
		route(['POST'], '/:controller/:id/:link', (ctx) => {
			if (recordController(ctx.params.controller) === 'Attachment') throw notFound('');
			return postLink(ctx, ctx.params.controller);
		}),
		route(['DELETE'], '/:controller/:id/:link', (ctx) => {
			if (recordController(ctx.params.controller) === 'Attachment') throw notFound('');
			return deleteLink(ctx, ctx.params.controller);
		}),
	);
	return routes;
}

export type RouteMatch = { route: Route; params: Record<string, string> } | { allowed: string[] } | null;

function matchPattern(pattern: readonly string[], segments: string[]): Record<string, string> | null {
	if (pattern.length !== segments.length) return null;
	const params: Record<string, string> = {};
	for (let i = 0; i < pattern.length; i += 1) {
		const part = pattern[i];
		if (part.startsWith(':')) {
			if (segments[i] === '') return null;
			try {
				params[part.slice(1)] = decodeURIComponent(segments[i]);
			} catch {
				return null;
			}
		} else if (part !== segments[i]) {
			return null;
		}
	}
	return params;
}

/** FastRoute's dispatch: a route for the method, else 405 with the methods that would match, else 404. */
export function matchRoute(routes: readonly Route[], method: string, resourcePath: string): RouteMatch {
	const segments = resourcePath === '/' || resourcePath === '' ? [] : resourcePath.slice(1).split('/');
	const effective = method === 'HEAD' ? 'GET' : method;
	const allowed = new Set<string>();
	for (const candidate of routes) {
		const params = matchPattern(candidate.pattern, segments);
		if (!params) continue;
		if (candidate.methods.includes(effective)) return { route: candidate, params };
		candidate.methods.forEach((m) => allowed.add(m));
	}
	return allowed.size > 0 ? { allowed: [...allowed] } : null;
}
