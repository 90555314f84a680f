// GET / , App/user, App/about, Settings and Metadata (observed §1, §1.a, §6.12–6.19; api §2.5).
import { parsedBody, type ApiContext, type JsonObject, type Services } from './context';
import { badRequest } from './http';
import { metadataByKey, metadataFor } from './metadata';
import { DEMO_ENTITY_TYPES, type EmulatorUser } from './users';

/** `GET /`: the cheapest authenticated probe (observed §1.02). */
export const API_INDEX = 'EspoCRM REST API';

const ABOUT_TEXT =
	'## EspoCRM – Open Source CRM application\r\n\r\nThis is the EspoCRM emulator of n8n-nodes-espocrm-attachments.\r\n' +
	'EspoCRM is published under the GNU AGPLv3 license.\r\n';

const TIME_ZONES = ['UTC', 'Europe/Berlin', 'Europe/Kyiv', 'America/New_York', 'Asia/Tokyo'];

/** The 16 keys `GET Settings` gives without (valid) credentials (observed §1.19, §1.20). */
export function publicSettings(services: Services): JsonObject {
	return {
		useCache: true,
		applicationName: 'EspoCRM',
		timeZone: 'UTC',
		dateFormat: 'DD.MM.YYYY',
		timeFormat: 'HH:mm',
		weekStart: 0,
		thousandSeparator: ',',
		decimalMark: '.',
		language: 'en_US',
		theme: 'Espo',
		aclAllowDeleteCreated: false,
		useWebSocket: false,
		cacheTimestamp: 1764183600,
		siteUrl: services.siteUrl,
		appTimestamp: 1764183600,
		logoSrc: 'client/img/logo.svg',
	};
}

/** The settings a logged-in user reads; admins see more (observed §1.21, §1.a). */
export function userSettings(services: Services, user: EmulatorUser): JsonObject {
	const settings: JsonObject = {
		...publicSettings(services),
		version: services.profile.version,
		recordsPerPage: 20,
		recordsPerPageSmall: 5,
		recordsPerPageSelect: 10,
		currencyList: ['USD', 'EUR'],
		defaultCurrency: 'USD',
		baseCurrency: 'USD',
		attachmentUploadMaxSize: services.settings.attachmentUploadMaxSize,
		...(services.profile.chunkEndpoint ? { attachmentUploadChunkSize: services.settings.attachmentUploadChunkSize } : {}),
		inlineAttachmentUploadMaxSize: 20,
		textFilterUseContainsForVarchar: false,
		tabList: [...DEMO_ENTITY_TYPES],
	};
	if (user.type === 'admin') {
		Object.assign(settings, {
			defaultFileStorage: 'EspoUploadDir',
			recordListMaxSizeLimit: 200,
			authTokenLifetime: 0,
			authTokenMaxIdleTime: 48,
			authMaxFailedAttemptNumber: 10,
			authFailedAttemptsPeriod: '60 seconds',
			cleanupAttachmentsPeriod: '15 days',
			maintenanceMode: false,
		});
	}
	return settings;
}

function userData(services: Services, user: EmulatorUser, ip: string): JsonObject {
	const [firstName, ...rest] = user.name.split(' ');
	const data: JsonObject = {
		avatarColor: null,
		avatarId: null,
		avatarName: null,
		contactId: null,
		contactName: null,
		createdAt: '2026-01-01 00:00:00',
		createdById: null,
		createdByName: null,
		defaultTeamId: null,
		defaultTeamName: null,
		deleted: false,
		emailAddress: null,
		emailAddressIsInvalid: false,
		emailAddressIsOptedOut: false,
		emailAddressList: [],
		excludeFromReplyEmailAddressList: [],
		firstName: rest.length ? firstName : null,
		id: user.id,
		ipAddress: user.type === 'api' ? ip : null,
		isActive: true,
		lastName: rest.length ? rest.join(' ') : user.name,
		middleName: null,
		modifiedAt: '2026-01-01 00:00:00',
		name: user.name,
		phoneNumber: null,
		phoneNumberIsInvalid: false,
		phoneNumberIsOptedOut: false,
		salutationName: null,
		// 9.1+ (observed §9: 36 keys on 9.1.7 and 9.3.10, `teamsColumns: []`).
		...(services.profile.userTeamsColumns ? { teamsColumns: [] } : {}),
		teamsIds: [],
		teamsNames: {},
		title: null,
		type: user.type,
		userEmailAddressList: [],
		userName: user.userName,
		workingTimeCalendarId: null,
	};
	if (user.type !== 'api') {
		Object.assign(data, {
			isAdmin: user.type === 'admin',
			isPortalUser: false,
			gender: '',
			position: null,
			rolesIds: [],
			rolesNames: {},
			lastAccess: null,
			authMethod: null,
		});
	}
	return data;
}

function aclData(user: EmulatorUser): JsonObject {
	const levels = (access: string) =>
		access === 'full'
			? { create: 'yes', read: 'all', edit: 'all', delete: 'all', stream: 'all' }
			: access === 'read'
				? { create: 'no', read: 'all', edit: 'no', delete: 'no', stream: 'all' }
				: false;
	const table: JsonObject = { Attachment: { create: 'yes', read: 'own', edit: 'own', delete: 'own' } };
	for (const [scope, access] of Object.entries(user.scopes)) table[scope] = user.type === 'admin' ? levels('full') : levels(access);
	const fieldTable: JsonObject = {};
	for (const [scope, fields] of Object.entries(user.noEditFields ?? {})) {
		fieldTable[scope] = Object.fromEntries(fields.map((f) => [f, { read: 'yes', edit: 'no' }]));
	}
	return { table, fieldTable, assignmentPermission: 'all', userPermission: 'all', portalPermission: 'no' };
}

/**
 * `POST App/destroyAuthToken {"token"}` (api §2.6, Logout): ends the session of that token if it is
 * the caller's own; `true` when a token was destroyed, `false` otherwise; no token → 400.
 */
export function destroyAuthToken(ctx: ApiContext): boolean {
	const token = parsedBody(ctx).token;
	if (typeof token !== 'string' || token === '') throw badRequest('');
	if (ctx.authTokens.get(token) !== ctx.user.id) return false;
	ctx.authTokens.delete(token);
	return true;
}

/** `GET App/user`: keys in the observed order (§1.a). */
export function getAppUser(ctx: ApiContext, ip: string): JsonObject {
	return {
		user: userData(ctx, ctx.user, ip),
		acl: aclData(ctx.user),
		preferences: { id: ctx.user.id, timeZone: null, language: null, dateFormat: null, timeFormat: null, weekStart: -1 },
		token: ctx.token,
		settings: userSettings(ctx, ctx.user),
		language: {},
		appParams: {
			maxUploadSize: ctx.settings.maxUploadSize,
			isRestrictedMode: false,
			passwordChangeForNonAdminDisabled: false,
			timeZoneList: TIME_ZONES,
			auth2FARequired: false,
			logoutWait: false,
			systemUserId: 'system',
			templateEntityTypeList: [],
			extensions: [],
			addressCountryData: { list: [], preferredList: [] },
		},
	};
}

export function getAbout(ctx: ApiContext): JsonObject {
	return { text: ABOUT_TEXT, version: ctx.profile.version };
}

/** `GET Metadata[?key=a.b.c]`, filtered by the user's read access (observed §6.12–6.19). */
export function getMetadata(ctx: ApiContext): unknown {
	const metadata = metadataFor(ctx.profile, { user: ctx.user, canRead: (entityType) => ctx.acl.checkScope(entityType, 'read') });
	const key = new URLSearchParams(ctx.query).get('key');
	return key ? metadataByKey(metadata, key) : metadata;
}
