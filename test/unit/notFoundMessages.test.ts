import { describeFailure, type EspoFailure } from '../../nodes/EspoCrmAttachment/client/errors';

// EspoCRM's 404 reason names only the id (`Record <id> does not exist.`, observed §4.a; a record PUT
// says `Record <id> not found.`, observed §6.40), so the message names what the request was about.
const notFound = (method: string, path: string, reason: string): EspoFailure => ({
	status: 404,
	reason,
	reasonSent: true,
	contentType: 'application/json',
	method,
	path,
});

describe('a 404 names what was not found', () => {
	it.each([
		['a record', 'GET', '/Case/c1', 'Record c1 does not exist.', 'EspoCRM could not find Case c1 (404): Record c1 does not exist.'],
		['a record written', 'PUT', '/Document/d1', 'Record d1 not found.', 'EspoCRM could not find Document d1 (404): Record d1 not found.'],
		['a record\'s relationship', 'POST', '/Case/c1/attachments', '', 'EspoCRM could not find Case c1 (404): POST /Case/c1/attachments'],
		['an attachment', 'GET', '/Attachment/a1', 'Record a1 does not exist.', 'EspoCRM could not find attachment a1 (404): Record a1 does not exist.'],
		['an attachment\'s file', 'GET', '/Attachment/file/a1', '', 'EspoCRM could not find the file of attachment a1 (404): GET /Attachment/file/a1'],
		['a chunk\'s attachment', 'POST', '/Attachment/chunk/a1', 'Record a1 does not exist.', 'EspoCRM could not find attachment a1 (404): Record a1 does not exist.'],
		['a copy\'s source', 'POST', '/Attachment/copy/a1', 'Record a1 does not exist.', 'EspoCRM could not find attachment a1 (404): Record a1 does not exist.'],
		['an entity type that does not exist (observed §6.26)', 'GET', '/Foo/1', "Controller 'Foo' does not exist.", "EspoCRM could not find Foo 1 (404): Controller 'Foo' does not exist."],
		['a path with no id', 'GET', '/Metadata', 'Not found', 'EspoCRM could not find it (404): Not found'],
		['an encoded id', 'GET', '/Case/a%20b', 'Record a b does not exist.', 'EspoCRM could not find Case a b (404): Record a b does not exist.'],
	])('%s', (_what, method, path, reason, message) => {
		expect(describeFailure(notFound(method, path, reason), 'apiKey').message).toBe(message);
	});
});

describe('a proxy\'s 502/504 (no X-Status-Reason) is named as the proxy\'s, not as an EspoCRM error', () => {
	const proxy = (status: number, reasonSent = false): EspoFailure => ({ status, reason: '', reasonSent, contentType: 'text/html', method: 'PUT', path: '/Document/d1' });
	it.each([
		[504, 'The web server in front of EspoCRM stopped waiting for it (504 Gateway Timeout)'],
		[524, 'The web server in front of EspoCRM stopped waiting for it (524 Gateway Timeout)'],
		[502, 'The web server in front of EspoCRM got no valid answer from it (502 Bad Gateway)'],
	])('%i', (status, message) => {
		expect(describeFailure(proxy(status), 'apiKey').message).toBe(message);
	});
	it('EspoCRM\'s own 500 (X-Status-Reason sent) stays an internal error', () => {
		expect(describeFailure(proxy(500, true), 'apiKey').message).toBe('EspoCRM had an internal error (500)');
	});
});
