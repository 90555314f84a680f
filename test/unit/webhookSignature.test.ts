// The trigger's check of EspoCRM's webhook signatures (observed §10.3), both header forms.
import { createHmac } from 'crypto';

import { verifiedWebhook } from '../../nodes/EspoCrmFileTrigger/signature';

const hooks = [
	{ id: '6650b1b1b1b1b1b01', secretKey: '0123456789abcdef0123456789abcdef', event: 'Case.update' },
	{ id: '6650b2b2b2b2b2b02', secretKey: 'fedcba9876543210fedcba9876543210', event: 'Case.create' },
];
const body = Buffer.from('[{"name":"K\\u00e4se \\/ cheese","id":"6650c0f1a2b3c4d5e"}]', 'utf8');

function xSignature(id: string, secret: string, bytes = body): string {
	return Buffer.concat([Buffer.from(`${id}:`), createHmac('sha256', secret).update(bytes).digest()]).toString('base64');
}
function hexSignature(id: string, secret: string, bytes = body): string {
	return Buffer.from(`${id}:${createHmac('sha256', secret).update(bytes).digest('hex')}`).toString('base64');
}

describe('verifiedWebhook', () => {
	it('8.4: X-Signature (raw digest) alone names the webhook', () => {
		expect(verifiedWebhook(body, { 'x-signature': xSignature(hooks[1].id, hooks[1].secretKey) }, hooks)).toBe(hooks[1]);
	});

	it('9.x: Signature (hex) and X-Signature both verified', () => {
		const headers = { signature: hexSignature(hooks[0].id, hooks[0].secretKey), 'x-signature': xSignature(hooks[0].id, hooks[0].secretKey) };
		expect(verifiedWebhook(body, headers, hooks)).toBe(hooks[0]);
	});

	it('rejects: no header, a changed body, another secret, an unknown webhook id, the hex digest in X-Signature, one good and one bad header', () => {
		const good = xSignature(hooks[0].id, hooks[0].secretKey);
		expect(verifiedWebhook(body, {}, hooks)).toBeUndefined();
		expect(verifiedWebhook(Buffer.from(body.toString().replace('cheese', 'chalk')), { 'x-signature': good }, hooks)).toBeUndefined();
		expect(verifiedWebhook(body, { 'x-signature': xSignature(hooks[0].id, hooks[1].secretKey) }, hooks)).toBeUndefined();
		expect(verifiedWebhook(body, { 'x-signature': xSignature('6650b3b3b3b3b3b03', hooks[0].secretKey) }, hooks)).toBeUndefined();
		expect(verifiedWebhook(body, { 'x-signature': hexSignature(hooks[0].id, hooks[0].secretKey) }, hooks)).toBeUndefined();
		expect(verifiedWebhook(body, { signature: hexSignature(hooks[0].id, 'wrong'), 'x-signature': good }, hooks)).toBeUndefined();
		expect(verifiedWebhook(body, { 'x-signature': 'not base64 at all' }, hooks)).toBeUndefined();
	});
});
