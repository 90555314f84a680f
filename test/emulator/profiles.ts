// Version profiles: what differs between the EspoCRM releases the node supports (api §8).

export type ProfileName = '8.4' | '9.3';
export type HmacEncoding = 'hex' | 'raw';

export interface Profile {
	name: ProfileName;
	/** `App/about` and `settings.version`. */
	version: string;
	/** Accepted HMAC signature encodings, in the order the server checks them (api §2.3). */
	hmacEncodings: readonly HmacEncoding[];
	/** Entity types with `optimisticConcurrencyControl` (observed §5.d, api §6.4). */
	occEntityTypes: readonly string[];
	/** `POST Attachment/chunk/{id}` and `attachmentUploadChunkSize` exist (7.2+, api §4). */
	chunkEndpoint: boolean;
	/** 9.2+ sends no `WWW-Authenticate` on POST requests (api §7). */
	wwwAuthenticateOnPost: boolean;
}

export interface ProfileOptions {
	profile?: ProfileName;
	legacyHmacOnly?: boolean;
	noChunkEndpoint?: boolean;
}

const BASE: Record<ProfileName, Profile> = {
	// 8.4.1+ checks the raw digest first, then hex (api §2.3).
	'8.4': {
		name: '8.4',
		version: '8.4.2',
		hmacEncodings: ['raw', 'hex'],
		occEntityTypes: ['KnowledgeBaseArticle', 'EmailTemplate', 'Template'],
		chunkEndpoint: true,
		wwwAuthenticateOnPost: true,
	},
	// 9.0+ checks hex first; 9.1 adds OCC to Account, Case, Opportunity and Task.
	'9.3': {
		name: '9.3',
		version: '9.3.4',
		hmacEncodings: ['hex', 'raw'],
		occEntityTypes: ['KnowledgeBaseArticle', 'EmailTemplate', 'Template', 'Account', 'Case', 'Opportunity', 'Task'],
		chunkEndpoint: true,
		wwwAuthenticateOnPost: false,
	},
};

export function resolveProfile(options: ProfileOptions = {}): Profile {
	const name = options.profile ?? '8.4';
	const base = BASE[name];
	if (!base) throw new Error(`Unknown profile '${name}' (expected 8.4 or 9.3)`);
	return {
		...base,
		// A pre-8.4.1 server knows only the raw 32-byte digest.
		hmacEncodings: options.legacyHmacOnly ? ['raw'] : base.hmacEncodings,
		// A pre-7.2 server has no chunk route.
		chunkEndpoint: !options.noChunkEndpoint,
	};
}
