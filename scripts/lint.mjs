// Lints this package with the exact rule set of n8n's community-package scanner
// (@n8n/scan-community-package: buildScanConfig + analyzePackage), over
//   1. the sources it scans (package.json, nodes/**, credentials/**), and
//   2. the packed tarball's JavaScript and package.json (what `npm pack` ships).
// Exits non-zero on any error, so `npm test` fails on any lint error.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyzePackage, SOURCE_FILE_PATTERNS } from '@n8n/scan-community-package/scanner/scanner.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
if (!fs.existsSync(path.join(root, 'dist'))) {
	console.error('lint: dist/ is missing, run `npm run build` first');
	process.exit(1);
}

const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'espo-lint-'));
const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', packDir], {
	cwd: root,
	encoding: 'utf8',
}).trim().split('\n').pop();
execFileSync('tar', ['xzf', path.join(packDir, tarball), '-C', packDir]);
const packed = path.join(packDir, 'package');

const shipped = execFileSync('tar', ['tzf', path.join(packDir, tarball)], { encoding: 'utf8' })
	.split('\n')
	.filter(Boolean);
const unexpected = shipped.filter(
	(f) => !/^package\/(dist\/|index\.js$|README\.md$|LICENSE(\.md)?$|package\.json$)/.test(f),
);

const legs = [
	['sources', await analyzePackage(root, SOURCE_FILE_PATTERNS)],
	['packed tarball', await analyzePackage(packed, ['**/*.js', 'package.json'])],
];
fs.rmSync(packDir, { recursive: true, force: true });

let failed = false;
for (const [name, result] of legs) {
	if (result.passed) {
		console.log(`lint: ${name}: 0 errors`);
	} else {
		failed = true;
		console.error(`lint: ${name}: ${result.message}`);
		if (result.details) console.error(result.details);
	}
}
if (unexpected.length) {
	failed = true;
	console.error(`lint: npm pack ships files outside dist/, index.js, README, LICENSE, package.json:\n  ${unexpected.join('\n  ')}`);
} else {
	console.log(`lint: npm pack ships ${shipped.length} files, all in dist/, index.js, README, LICENSE or package.json`);
}
process.exit(failed ? 1 : 0);
