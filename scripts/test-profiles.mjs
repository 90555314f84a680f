// `node scripts/test-profiles.mjs [--profiles 8.4,9.3] <jest paths and options…>`: runs the given jest
// tests once per EspoCRM profile of the emulator (ESPOCRM_PROFILE, test/emulator/profiles.ts) and
// prints the counts per profile. Exits non-zero when any profile has a failing test.
//   npm run test:profiles            the node's operation and concurrency suites under 8.4, 9.1, 9.3, 10.0
//   npm run test:contract:profiles   the contract suite under each profile
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ALL_PROFILES = ['8.4', '9.1', '9.3', '10.0'];

const args = process.argv.slice(2);
let profiles = ALL_PROFILES;
const at = args.indexOf('--profiles');
if (at >= 0) {
	profiles = args[at + 1].split(',').map((p) => p.trim());
	args.splice(at, 2);
	const unknown = profiles.filter((p) => !ALL_PROFILES.includes(p));
	if (unknown.length) {
		console.error(`--profiles: unknown ${unknown.join(', ')}; known: ${ALL_PROFILES.join(', ')}`);
		process.exit(2);
	}
}
if (process.env.ESPOCRM_URL) {
	console.error('ESPOCRM_URL is set: the profiles are the emulator\'s. Run `npm run test:contract` once against the real server instead.');
	process.exit(2);
}

const jest = path.join('node_modules', 'jest', 'bin', 'jest.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'espocrm-profiles-'));
const rows = [];
for (const profile of profiles) {
	const outputFile = path.join(dir, `${profile}.json`);
	const started = Date.now();
	console.log(`\n=== EspoCRM profile ${profile} (ESPOCRM_PROFILE=${profile}) ===`);
	const run = spawnSync(process.execPath, [jest, '--json', `--outputFile=${outputFile}`, ...args], {
		stdio: 'inherit',
		env: { ...process.env, ESPOCRM_PROFILE: profile },
	});
	const seconds = ((Date.now() - started) / 1000).toFixed(1);
	let result;
	try {
		result = JSON.parse(fs.readFileSync(outputFile, 'utf8'));
	} catch {
		rows.push({ profile, passed: '-', failed: '-', skipped: '-', total: '-', suites: `jest exited ${run.status} without results`, seconds, ok: false });
		continue;
	}
	const failedSuites = result.numFailedTestSuites + (result.numRuntimeErrorTestSuites ?? 0);
	rows.push({
		profile,
		passed: result.numPassedTests,
		failed: result.numFailedTests,
		skipped: result.numPendingTests + (result.numTodoTests ?? 0),
		total: result.numTotalTests,
		suites: `${result.numPassedTestSuites}/${result.numTotalTestSuites} suites passed`,
		seconds,
		ok: result.success && failedSuites === 0 && run.status === 0,
	});
}
fs.rmSync(dir, { recursive: true, force: true });

console.log(`\nPer EspoCRM profile (jest ${args.join(' ')}):`);
console.log('profile | passed | failed | skipped | total | suites | seconds');
console.log('---|---|---|---|---|---|---');
for (const r of rows) console.log(`${r.profile} | ${r.passed} | ${r.failed} | ${r.skipped} | ${r.total} | ${r.suites} | ${r.seconds}`);
process.exit(rows.every((r) => r.ok) ? 0 : 1);
