// The release pipeline's guard and the package's entry point, as a maintainer and a user meet them.
import { spawnSync } from 'child_process';
import path from 'path';

const REPO = path.resolve(__dirname, '../..');

describe('release', () => {
	test('release:check refuses to publish while release.json holds placeholders, and names each one', () => {
		const run = spawnSync(process.execPath, [path.join(REPO, 'scripts/release.mjs'), 'check'], { cwd: REPO, encoding: 'utf8', env: { ...process.env, GITHUB_REF_TYPE: '' } });
		expect(run.status).toBe(1);
		const problems = run.stderr.split('\n').filter((line) => line.startsWith('  ✗ ')).map((line) => line.slice(4).replace(/ is still the placeholder .*/, ''));
		// Only the placeholders: the sources (package.json, the codex files, the credential) match release.json,
		// CHANGELOG has the version, nothing else is missing.
		expect(problems).toEqual([
			'release.json repository',
			'release.json author.name',
			'release.json author.email',
			'release.json docs.node',
			'release.json docs.trigger',
			'release.json docs.credential',
		]);
	});

	test('require(package name) gives the node and the credential classes (package.json main → index.js, shipped)', () => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const pkg = require(path.join(REPO, 'package.json'));
		expect(pkg.main).toBe('index.js');
		expect(pkg.files).toContain('index.js');
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const entry = require(path.join(REPO, pkg.main));
		expect(new entry.EspoCrmAttachment().description.name).toBe('espoCrmAttachment');
		expect(new entry.EspoCrmApi().name).toBe('espoCrmApi');
	});
});
