import { redirectMessage } from '../../nodes/EspoCrmAttachment/methods/credentialTest';

// What the credential test says about a redirect it did not follow: the other address as
// scheme://host:port only, never the Location's path, query string or user info (issue #10).
describe('redirectMessage', () => {
	const apiRoot = 'http://crm.example.com/crm/api/v1';

	it('another host: names only its origin, and that nothing was sent there', () => {
		const message = redirectMessage(302, apiRoot, 'https://user:s3cret@login.example.net:8443/sso?token=abc#x');
		expect(message).toBe(
			'The Base URL answered with a redirect (302) to another host, https://login.example.net:8443. The test did not follow it: nothing was sent to https://login.example.net:8443, and the credentials went only to http://crm.example.com. If https://login.example.net:8443 is your EspoCRM, put its address into Base URL; if not, something in front of crm.example.com (a proxy or a login page) answers instead of EspoCRM.',
		);
		for (const part of ['user', 's3cret', 'token', 'abc', '/sso']) expect(message).not.toContain(part);
	});

	it('http → https on the same host: names https://host and the Base URL to use, sub-directory kept', () => {
		expect(redirectMessage(301, apiRoot, 'https://crm.example.com/crm/api/v1/App/user')).toBe(
			'The Base URL answered with a redirect (301) to https://crm.example.com (the same host, https instead of http). The test did not follow it and sent nothing to https://crm.example.com. Put https://crm.example.com/crm into Base URL.',
		);
	});

	it('another port on the same host', () => {
		expect(redirectMessage(307, 'https://crm.example.com/api/v1', 'https://crm.example.com:8443/api/v1/App/user')).toBe(
			'The Base URL answered with a redirect (307) to https://crm.example.com:8443 (the same host, port 8443). The test did not follow it and sent nothing to https://crm.example.com:8443. Put https://crm.example.com:8443 into Base URL.',
		);
	});

	it('a relative Location (same server, another path)', () => {
		expect(redirectMessage(302, apiRoot, '/login?next=%2F')).toBe(
			'The Base URL answered with a redirect (302) to another address on http://crm.example.com. The test did not follow it. Open the Base URL in a browser and put the address it ends on (often with a sub-directory) into Base URL.',
		);
	});

	it.each([[''], ['javascript:alert(1)'], ['http://[bad']])('no usable Location (%j)', (location) => {
		expect(redirectMessage(303, apiRoot, location)).toBe(
			'The Base URL answered with a redirect (303) without a usable address. The test did not follow it and sent the credentials nowhere else. Open the Base URL in a browser and put the address it ends on into Base URL.',
		);
	});
});
