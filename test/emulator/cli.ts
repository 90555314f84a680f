// `npm run emulator [-- --port 8080 (default: a free port) --profile 8.4|9.1|9.3|10.0 --latency-ms 50 --legacy-hmac-only --no-chunk-endpoint --base-path /crm --lockout]`
// `--lockout` turns on the failed-login lockout (observed §1.b), off by default.
import { parseArgs } from 'node:util';

import { type EmulatorOptions, startEmulator } from './index';
import { PROFILE_NAMES, type ProfileName } from './profiles';

const { values } = parseArgs({
	options: {
		port: { type: 'string', default: '0' },
		profile: { type: 'string' },
		'latency-ms': { type: 'string', default: '0' },
		'legacy-hmac-only': { type: 'boolean', default: false },
		'no-chunk-endpoint': { type: 'boolean', default: false },
		'base-path': { type: 'string', default: '' },
		'no-seed': { type: 'boolean', default: false },
		lockout: { type: 'boolean', default: false },
	},
});

if (values.profile !== undefined && !(PROFILE_NAMES as readonly string[]).includes(values.profile)) {
	console.error(`--profile ${values.profile} is not a known EspoCRM profile: use one of ${PROFILE_NAMES.join(', ')}.`);
	process.exit(2);
}

const options: EmulatorOptions = {
	port: Number(values.port),
	profile: values.profile as ProfileName | undefined,
	latencyMs: Number(values['latency-ms']),
	legacyHmacOnly: values['legacy-hmac-only'],
	noChunkEndpoint: values['no-chunk-endpoint'],
	basePath: values['base-path'],
	seed: !values['no-seed'],
};

startEmulator(options).then(
	(emulator) => {
		if (values.lockout) emulator.setLockout(true);
		const { apiUser, hmacUser, admin, regularUser } = emulator.users;
		console.log(`EspoCRM emulator (profile ${emulator.profile}: EspoCRM ${emulator.profileInfo.version}, ${emulator.profileInfo.basis}) listening on ${emulator.url}`);
		console.log(`API:            ${emulator.apiUrl}`);
		console.log(`Control:        ${emulator.url}/__emulator/log/count`);
		console.log(`API key user:   X-Api-Key: ${apiUser.apiKey}`);
		console.log(`HMAC user:      key ${hmacUser.apiKey}  secret ${hmacUser.secretKey}`);
		console.log(`Admin:          ${admin.userName} / ${admin.password}`);
		console.log(`Regular user:   ${regularUser.userName} / ${regularUser.password}`);
		console.log(`Lockout:        ${values.lockout ? 'on (more than 10 failed logins per minute per IP → 403)' : 'off (--lockout turns it on)'}`);
		if (emulator.seed) console.log(`Seed records:   ${JSON.stringify(emulator.seed)}`);
		const stop = () => void emulator.close().then(() => process.exit(0));
		process.on('SIGINT', stop);
		process.on('SIGTERM', stop);
	},
	(error: unknown) => {
		console.error(error);
		process.exit(1);
	},
);
