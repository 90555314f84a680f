// Fault injection: make the n-th matching API request fail in a chosen way.

export type FaultAction =
	/** Answer with this instead of handling the request. */
	| { status: number; reason?: string; body?: string; contentType?: string }
	/**
	 * Destroy the socket. `before-body`: before reading or answering anything.
	 * `mid-body`: after reading half the request body (requests with a body) or writing half the
	 * response body (requests without one). `after-handling`: the request is fully handled (e.g. the
	 * chunk IS appended), then the socket is destroyed instead of answering: the ambiguous failure of api §4.3.
	 */
	| { drop: 'before-body' | 'mid-body' | 'after-handling' }
	/** Wait, then handle normally. */
	| { delayMs: number }
	/**
	 * A reverse proxy that gives up while PHP keeps working: the body is read, the client gets a
	 * proxy's 504 page (no X-Status-Reason) at once, and the request is handled `handleAfterMs` later,
	 * its answer going nowhere (what nginx's proxy_read_timeout does to a slow upload). `status: 0`:
	 * no answer at all until the client gives up (its own timeout), while PHP goes on all the same.
	 */
	| { proxyTimeout: { handleAfterMs: number; status?: number } }
	/** 200 text/html login page: a base URL that points at the web UI. */
	| { htmlLogin: true }
	| { redirect: string; status?: 301 | 302 | 307 | 308 };

export interface FaultRule {
	method?: string;
	/** Matched against the path after `/api/v1` (no query), e.g. `/^\/Attachment\/chunk\//`. A string must match exactly. */
	path: string | RegExp;
	/** 1-based: fail the n-th matching request (default 1). */
	nth?: number;
	/** How many times from the n-th on (default 1; Infinity allowed). */
	times?: number;
	action: FaultAction;
}

interface ActiveRule {
	rule: FaultRule;
	seen: number;
}

export class Faults {
	private rules: ActiveRule[] = [];

	add(rule: FaultRule): void {
		this.rules.push({ rule, seen: 0 });
	}

	clear(): void {
		this.rules = [];
	}

	/** Counts the request against every matching rule; returns the action of the first rule that fires. */
	match(method: string, path: string): FaultAction | undefined {
		let fired: FaultAction | undefined;
		for (const active of this.rules) {
			const { rule } = active;
			if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
			const pathMatches = typeof rule.path === 'string' ? rule.path === path : rule.path.test(path);
			if (!pathMatches) continue;
			active.seen += 1;
			const nth = rule.nth ?? 1;
			const times = rule.times ?? 1;
			if (!fired && active.seen >= nth && active.seen < nth + times) fired = rule.action;
		}
		return fired;
	}
}

/** A rule as JSON (for `POST /__emulator/faults`): `path` a string, or `pathRegex` (+ `flags`); `times` may be "Infinity" or null. */
export interface FaultRuleJson {
	method?: string;
	path?: string;
	pathRegex?: string;
	flags?: string;
	nth?: number;
	times?: number | string | null;
	action: FaultAction;
}

export function faultRuleFromJson(json: FaultRuleJson): FaultRule {
	const path = json.pathRegex !== undefined ? new RegExp(json.pathRegex, json.flags) : json.path;
	if (path === undefined) throw new Error('A fault rule needs `path` or `pathRegex`.');
	const times = json.times === null || json.times === 'Infinity' ? Infinity : json.times === undefined ? undefined : Number(json.times);
	return { method: json.method, path, nth: json.nth, times, action: json.action };
}
