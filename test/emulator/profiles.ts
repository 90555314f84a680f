// Version profiles: what differs between the EspoCRM lines the node supports. The table in
// README.md ("Version profiles") lists every difference with the observation or source behind it.
// Modules key version-specific behaviour on `profile.atLeast('9.2')`, never on the profile name.

export const PROFILE_NAMES = ['8.4', '9.1', '9.3', '10.0'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];
export type HmacEncoding = 'hex' | 'raw';

/** The default when neither the options nor `ESPOCRM_PROFILE` name one. */
export const DEFAULT_PROFILE: ProfileName = '8.4';

export interface Profile {
	name: ProfileName;
	/** `App/about` and `settings.version`, e.g. '9.3.10'. */
	version: string;
	/** Where the profile's behaviour comes from: a real server of that line, or only EspoCRM's source. */
	basis: 'observed' | 'source reading';
	/** True when `version` ≥ `minimum` (e.g. `atLeast('9.2')`, `atLeast('8.4.1')`); missing parts count as 0. */
	atLeast(minimum: string): boolean;
	/** Accepted HMAC signature encodings, in the order the server checks them (api §2.3). */
	hmacEncodings: readonly HmacEncoding[];
	/** Entity types with `optimisticConcurrencyControl` (observed §5.d, §9; api §6.4). */
	occEntityTypes: readonly string[];
	/**
	 * The OCC check and the save are one step (no other request in between). False where observed
	 * otherwise: two PUTs with the same `X-Version-Number` at the same moment both succeed (observed §9).
	 */
	occAtomic: boolean;
	/** `POST Attachment/chunk/{id}` and `attachmentUploadChunkSize` exist (7.2+, api §4). */
	chunkEndpoint: boolean;
	/** A 401 on POST carries `WWW-Authenticate` (until 9.2.0, api §7). */
	wwwAuthenticateOnPost: boolean;
	/** `App/user`'s `user` carries `teamsColumns` (9.1+, observed §9). */
	userTeamsColumns: boolean;
	/** The body flag `skipDuplicateCheck: true` skips the duplicate check (until 9.1.0, observed §9). */
	bodySkipDuplicateCheck: boolean;
	/** Attachment has a read-only `modifiedAt` (9.2+, observed §9). */
	attachmentModifiedAt: boolean;
	/** Record locking: a locked record's fields cannot change (409 `cannotModifyLockedRecord`, 10.0, api §6.4). */
	recordLocking: boolean;
}

/** Compares dotted versions numerically: '9.10' > '9.3'; missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
	const pa = a.split('.').map((part) => Number.parseInt(part, 10) || 0);
	const pb = b.split('.').map((part) => Number.parseInt(part, 10) || 0);
	for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
		const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
		if (diff !== 0) return Math.sign(diff);
	}
	return 0;
}

const OCC_BEFORE_9_1 = ['KnowledgeBaseArticle', 'EmailTemplate', 'Template'];
const OCC_SINCE_9_1 = [...OCC_BEFORE_9_1, 'Account', 'Case', 'Opportunity', 'Task'];

const VERSIONS: Record<ProfileName, { version: string; basis: Profile['basis'] }> = {
	'8.4': { version: '8.4.2', basis: 'observed' },
	'9.1': { version: '9.1.7', basis: 'observed' },
	'9.3': { version: '9.3.10', basis: 'observed' },
	// 10.0 could not be run: every 10.0 behaviour here is from reading tag 10.0.0 of espocrm/espocrm.
	'10.0': { version: '10.0.0', basis: 'source reading' },
};

/** The profile of one line, every flag derived from its version. */
export function profileFor(name: ProfileName): Profile {
	const entry = VERSIONS[name];
	if (!entry) throw new Error(`Unknown EspoCRM profile '${String(name)}': use one of ${PROFILE_NAMES.join(', ')}.`);
	const atLeast = (minimum: string) => compareVersions(entry.version, minimum) >= 0;
	return {
		name,
		version: entry.version,
		basis: entry.basis,
		atLeast,
		// 8.4.1 checks the raw digest first, then hex; 9.0+ hex first (api §2.3). 10.0 deprecates raw but accepts it.
		hmacEncodings: atLeast('9.0') ? ['hex', 'raw'] : ['raw', 'hex'],
		occEntityTypes: atLeast('9.1') ? OCC_SINCE_9_1 : OCC_BEFORE_9_1,
		// Observed not atomic on 9.1.7 and 9.3.10; 10.0's Record\Service check-then-save is unchanged.
		// 8.4.2 was not raced in the observation, so it keeps the simpler atomic model.
		occAtomic: !atLeast('9.1'),
		chunkEndpoint: true,
		wwwAuthenticateOnPost: !atLeast('9.2'),
		userTeamsColumns: atLeast('9.1'),
		bodySkipDuplicateCheck: !atLeast('9.1'),
		attachmentModifiedAt: atLeast('9.2'),
		recordLocking: atLeast('10.0'),
	};
}

export interface ProfileOptions {
	profile?: ProfileName;
	legacyHmacOnly?: boolean;
	noChunkEndpoint?: boolean;
}

/** `ESPOCRM_PROFILE` (e.g. `9.3`) sets the default profile of every emulator a test starts. */
export function defaultProfileName(env: NodeJS.ProcessEnv = process.env): ProfileName {
	const fromEnv = env.ESPOCRM_PROFILE?.trim();
	if (!fromEnv) return DEFAULT_PROFILE;
	if (!(PROFILE_NAMES as readonly string[]).includes(fromEnv)) {
		throw new Error(`ESPOCRM_PROFILE='${fromEnv}' is not a known EspoCRM profile: use one of ${PROFILE_NAMES.join(', ')}.`);
	}
	return fromEnv as ProfileName;
}

export function resolveProfile(options: ProfileOptions = {}): Profile {
	const base = profileFor(options.profile ?? defaultProfileName());
	return {
		...base,
		// A pre-8.4.1 server knows only the raw 32-byte digest.
		hmacEncodings: options.legacyHmacOnly ? ['raw'] : base.hmacEncodings,
		// A pre-7.2 server has no chunk route.
		chunkEndpoint: !options.noChunkEndpoint,
	};
}
