// The emulator's users. Every secret here is fake and only valid against the emulator.
//
// Access levels mirror what an EspoCRM role grants (api §2, observed §2.13): `full` = create/read/edit/delete
// on all records, `read` = read only, `none` = no access to the scope. Admins bypass the table.

export type Access = 'full' | 'read' | 'none';
export type UserType = 'admin' | 'regular' | 'api';

export interface EmulatorUser {
	id: string;
	userName: string;
	name: string;
	type: UserType;
	/** API users only: which header logs them in (api §2.2, §2.3). */
	authMethod?: 'ApiKey' | 'Hmac';
	apiKey?: string;
	secretKey?: string;
	password?: string;
	/** 2FA users: the TOTP code the emulator accepts in `Espo-Authorization-Code` (api §2.4). */
	totpCode?: string;
	scopes: Readonly<Record<string, Access>>;
	/** Field-level ACL: fields the user may read but not edit, per entity type. */
	noEditFields?: Readonly<Record<string, readonly string[]>>;
}

/** The demo entity types the users' roles talk about (issue #3). */
export const DEMO_ENTITY_TYPES = [
	'Document',
	'Note',
	'Case',
	'Account',
	'Task',
	'KnowledgeBaseArticle',
	'Opportunity',
	'CInspection',
	'CWorkOrder',
] as const;

function demoAccess(access: Access, overrides: Record<string, Access> = {}): Record<string, Access> {
	const scopes: Record<string, Access> = {};
	for (const entityType of DEMO_ENTITY_TYPES) scopes[entityType] = access;
	return { ...scopes, ...overrides };
}

const apiUser: EmulatorUser = {
	id: '6650a1a1a1a1a1a01',
	userName: 'apiuser',
	name: 'apiuser',
	type: 'api',
	authMethod: 'ApiKey',
	apiKey: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
	scopes: demoAccess('full', { User: 'none' }),
};

const hmacUser: EmulatorUser = {
	id: '6650a2a2a2a2a2a02',
	userName: 'hmacuser',
	name: 'hmacuser',
	type: 'api',
	authMethod: 'Hmac',
	apiKey: '1b2c3d4e5f60718293a4b5c6d7e8f90a',
	secretKey: 'f0e1d2c3b4a5968778695a4b3c2d1e0f',
	scopes: demoAccess('full', { User: 'none' }),
};

const admin: EmulatorUser = {
	id: '6650a0a0a0a0a0a00',
	userName: 'admin',
	name: 'Admin',
	type: 'admin',
	password: 'admin-demo-password',
	scopes: demoAccess('full', { User: 'full' }),
};

const regularUser: EmulatorUser = {
	id: '6650a3a3a3a3a3a03',
	userName: 'regular',
	name: 'Regular User',
	type: 'regular',
	password: 'regular-demo-password',
	scopes: demoAccess('full', { User: 'read' }),
};

const twoFactorUser: EmulatorUser = {
	id: '6650a4a4a4a4a4a04',
	userName: 'twofactor',
	name: 'Two Factor',
	type: 'regular',
	password: 'twofactor-demo-password',
	totpCode: '123456',
	scopes: demoAccess('full', { User: 'read' }),
};

const noDocumentUser: EmulatorUser = {
	id: '6650a5a5a5a5a5a05',
	userName: 'nodocument',
	name: 'nodocument',
	type: 'api',
	authMethod: 'ApiKey',
	apiKey: '2c3d4e5f60718293a4b5c6d7e8f90a1b',
	scopes: demoAccess('full', { Document: 'none', User: 'none' }),
};

const readOnlyUser: EmulatorUser = {
	id: '6650a6a6a6a6a6a06',
	userName: 'readonly',
	name: 'readonly',
	type: 'api',
	authMethod: 'ApiKey',
	apiKey: '3d4e5f60718293a4b5c6d7e8f90a1b2c',
	scopes: demoAccess('read', { User: 'none' }),
};

const noFieldAccessUser: EmulatorUser = {
	id: '6650a7a7a7a7a7a07',
	userName: 'nofieldaccess',
	name: 'nofieldaccess',
	type: 'api',
	authMethod: 'ApiKey',
	apiKey: '4e5f60718293a4b5c6d7e8f90a1b2c3d',
	scopes: demoAccess('full', { User: 'none' }),
	noEditFields: { Case: ['attachments'] },
};

export const USERS = {
	apiUser,
	hmacUser,
	admin,
	regularUser,
	twoFactorUser,
	noDocumentUser,
	readOnlyUser,
	noFieldAccessUser,
} as const;

export type UserKey = keyof typeof USERS;

export { apiUser, hmacUser, admin, regularUser, twoFactorUser, noDocumentUser, readOnlyUser, noFieldAccessUser };

export const ALL_USERS: readonly EmulatorUser[] = Object.values(USERS);

export function userById(id: string | null | undefined): EmulatorUser | undefined {
	return ALL_USERS.find((user) => user.id === id);
}

/** A user by id, key in USERS (`apiUser`) or user name (`apiuser`). */
export function findUser(ref: string): EmulatorUser | undefined {
	return (USERS as Record<string, EmulatorUser>)[ref] ?? ALL_USERS.find((u) => u.id === ref || u.userName === ref);
}
