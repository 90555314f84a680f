// `npm run test:contract:twice [-- --profile 9.3]`: the contract suite twice in a row against ONE
// emulator with EspoCRM's failed-login lockout ON (observed §1.b: more than 10 failed logins per
// minute per IP → 403 for everything), reached the way a real server is (ESPOCRM_URL + credentials),
// then once more right after this script locked the address out on purpose. Shows that the suite's
// deliberate failed logins stay below the lockout run after run (lockout.ts), and that a lockout met
// at the start is waited out instead of failing many cases.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { startEmulator } from '../test/emulator';
import { PROFILE_NAMES, type ProfileName } from '../test/emulator/profiles';

const { values } = parseArgs({ options: { profile: { type: 'string', default: '9.3' } } });
const profile = values.profile as ProfileName;
if (!PROFILE_NAMES.includes(profile)) throw new Error(`--profile ${profile}: use one of ${PROFILE_NAMES.join(', ')}`);

interface JestCounts {
	numPassedTests: number;
	numFailedTests: number;
	numPendingTests: number;
	numTotalTests: number;
	success: boolean;
}

async function main(): Promise<void> {
	const emulator = await startEmulator({ profile });
	emulator.setLockout(true);
	const { apiUser, hmacUser, admin } = emulator.users;
	const env: NodeJS.ProcessEnv = {
		...process.env,
		ESPOCRM_URL: emulator.url,
		ESPOCRM_API_KEY: apiUser.apiKey!,
		ESPOCRM_HMAC_KEY: hmacUser.apiKey!,
		ESPOCRM_HMAC_SECRET: hmacUser.secretKey!,
		ESPOCRM_ADMIN_USER: admin.userName,
		ESPOCRM_ADMIN_PASSWORD: admin.password!,
	};
	delete env.ESPOCRM_PROFILE;
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'espocrm-twice-'));
	const rows: string[] = [];
	// The lockout's 403 is the only one without X-Status-Reason (observed §1.b).
	const lockouts = () => emulator.log.filter((e) => e.status === 403 && e.statusReason === undefined).length;
	const failedLogins = () => emulator.log.filter((e) => e.status === 401).length;
	let ok = true;

	const runSuite = async (label: string) => {
		const outputFile = path.join(dir, `${rows.length}.json`);
		const before = { lockouts: lockouts(), failed: failedLogins(), at: Date.now() };
		console.log(`\n=== ${label} ===`);
		// Asynchronous, so that this process (the emulator) keeps answering while jest runs.
		const status = await new Promise<number | null>((resolve) => {
			const child = spawn(process.execPath, [path.join('node_modules', 'jest', 'bin', 'jest.js'), 'test/contract', '--json', `--outputFile=${outputFile}`], { stdio: 'inherit', env });
			child.on('exit', (code) => resolve(code));
		});
		const result = JSON.parse(fs.readFileSync(outputFile, 'utf8')) as JestCounts;
		ok &&= result.success && status === 0;
		rows.push(
			`${label} | ${result.numPassedTests} | ${result.numFailedTests} | ${result.numPendingTests} | ${result.numTotalTests} | ` +
				`${failedLogins() - before.failed} | ${lockouts() - before.lockouts} | ${((Date.now() - before.at) / 1000).toFixed(0)}`,
		);
	};

	await runSuite('run 1');
	await runSuite('run 2, straight after');
	// Lock the address out on purpose (12 wrong keys), then run again: the suite waits it out at the start.
	for (let i = 0; i < 12; i++) await fetch(`${emulator.apiUrl}/App/user`, { headers: { 'X-Api-Key': 'not-a-key' } });
	const locked = await fetch(`${emulator.apiUrl}/App/user`, { headers: { 'X-Api-Key': apiUser.apiKey! } });
	console.log(`\nlocked out on purpose: a good key now gets ${locked.status}`);
	await runSuite('run 3, after a lockout');
	await emulator.close();
	fs.rmSync(dir, { recursive: true, force: true });

	console.log(`\nContract suite against one emulator (profile ${profile}) with the failed-login lockout on, as a real server (emulator-only cases skipped):`);
	console.log('run | passed | failed | skipped | total | 401 answers (failed logins) | lockout 403s | seconds');
	console.log('---|---|---|---|---|---|---|---');
	for (const row of rows) console.log(row);
	process.exit(ok ? 0 : 1);
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
