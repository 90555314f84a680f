import type {
	IAuthenticate,
	ICredentialDataDecryptedObject,
	ICredentialType,
	Icon,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

import { authHeadersFor, type EspoCredentialData } from './espoCrmSigning';

export class EspoCrmApi implements ICredentialType {
	name = 'espoCrmApi';

	displayName = 'EspoCRM API';

	icon: Icon = {
		light: 'file:../nodes/EspoCrmAttachment/espocrm.svg',
		dark: 'file:../nodes/EspoCrmAttachment/espocrm.dark.svg',
	};

	documentationUrl =
		'https://github.com/n8n-nodes-espocrm-attachments/n8n-nodes-espocrm-attachments#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://crm.example.com',
			description:
				'The address of your EspoCRM, as you open it in the browser. A sub-directory install (https://example.com/crm) works; /api/v1 is added automatically.',
		},
		{
			displayName: 'Authentication',
			name: 'authMethod',
			type: 'options',
			default: 'apiKey',
			options: [
				{
					name: 'API Key',
					value: 'apiKey',
					description: 'An API user with the API Key authentication method (recommended)',
				},
				{
					name: 'HMAC',
					value: 'hmac',
					description: 'An API user with the HMAC authentication method: every request is signed',
				},
				{
					name: 'Username & Password',
					value: 'password',
					description:
						'A regular or admin user. Not for API users, and not for users with two-factor authentication.',
				},
			],
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			displayOptions: { show: { authMethod: ['apiKey', 'hmac'] } },
			description:
				'In EspoCRM: Administration → API Users → your API user → API Key',
		},
		{
			displayName: 'Secret Key',
			name: 'secretKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			displayOptions: { show: { authMethod: ['hmac'] } },
			description: "The API user's Secret Key, shown next to its API Key when the method is HMAC",
		},
		{
			displayName: 'HMAC Signature Format',
			name: 'hmacFormat',
			type: 'options',
			default: 'hex',
			displayOptions: { show: { authMethod: ['hmac'] } },
			options: [
				{
					name: 'Hex (EspoCRM 8.4.1 and Later)',
					value: 'hex',
				},
				{
					name: 'Raw Digest (EspoCRM Before 8.4.1)',
					value: 'raw',
				},
			],
			description:
				'EspoCRM 8.4.1 and later accept both; older servers answer 401 to the hex format, so pick Raw Digest there',
		},
		{
			displayName: 'Username',
			name: 'username',
			type: 'string',
			default: '',
			required: true,
			displayOptions: { show: { authMethod: ['password'] } },
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			displayOptions: { show: { authMethod: ['password'] } },
		},
		{
			displayName:
				'API users and users with two-factor authentication cannot sign in with a password. An API user (Administration → API Users) is the recommended setup.',
			name: 'apiUserNotice',
			type: 'notice',
			default: '',
			displayOptions: { show: { authMethod: ['password'] } },
		},
		{
			displayName: 'Ignore SSL Issues (Insecure)',
			name: 'ignoreSslIssues',
			type: 'boolean',
			default: false,
			description:
				'Whether to connect even if SSL certificate validation is not possible (for example a self-signed certificate)',
		},
	];

	// A function, not a generic header: HMAC signs every request's method and path.
	authenticate: IAuthenticate = async (
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> => {
		// The node logs in once per execution with the password, then sends the auth token it got.
		if (credentials.authMethod === 'password' && requestOptions.headers?.['Espo-Authorization-By-Token'] === 'true') {
			return requestOptions;
		}
		// n8n's HTTP Request node (predefined credential type) sends legacy options with `uri`.
		const legacy = requestOptions as IHttpRequestOptions & { uri?: string };
		const headers = authHeadersFor(
			credentials as unknown as EspoCredentialData,
			requestOptions.method ?? 'GET',
			requestOptions.url || legacy.uri || '',
			requestOptions.baseURL,
		);
		return { ...requestOptions, headers: { ...(requestOptions.headers ?? {}), ...headers } };
	};

	// No `test` here: n8n then runs the nodes' `testedBy: 'espoCrmApiTest'` function
	// (nodes/EspoCrmAttachment/methods/credentialTest.ts), which signs or logs in as the node does,
	// never follows a redirect and names the host a redirect pointed at (a declarative test's rules
	// can only give fixed messages).
}
