// The package as users get it, built WITHOUT touching the checkout's dist/ (other work may be
// using it): the sources are copied to a staging folder, built and packed there, and the tarball
// is installed into `$N8N_USER_FOLDER/.n8n/nodes` like Settings → Community Nodes does.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const SOURCES = ['package.json', 'README.md', 'LICENSE', 'tsconfig.json', 'gulpfile.js', 'index.js', 'release.json', 'scripts/release.mjs', 'credentials', 'nodes'];

/** Builds a copy of the repo's sources in `<workDir>/package` and packs it; returns the tarball. */
export function buildAndPack(repoDir, workDir, log) {
	const staging = join(workDir, 'package');
	mkdirSync(staging, { recursive: true });
	for (const name of SOURCES) {
		mkdirSync(dirname(join(staging, name)), { recursive: true });
		cpSync(join(repoDir, name), join(staging, name), { recursive: true });
	}
	symlinkSync(join(repoDir, 'node_modules'), join(staging, 'node_modules'), 'dir');
	log('npm run build (in a staging copy)');
	execFileSync('npm', ['run', 'build', '--silent'], { cwd: staging, stdio: ['ignore', 'ignore', 'inherit'] });
	const tarballs = join(workDir, 'tarballs');
	mkdirSync(tarballs, { recursive: true });
	const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', tarballs], { cwd: staging, encoding: 'utf8' });
	return join(tarballs, out.trim().split('\n').pop());
}

/** `npm install <tgz>` into `<userFolder>/.n8n/nodes`; returns the package's name. */
export function installIntoN8n(tarball, userFolder, log) {
	const nodesDir = join(userFolder, '.n8n', 'nodes');
	mkdirSync(nodesDir, { recursive: true });
	writeFileSync(join(nodesDir, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true }, null, 2));
	log(`npm install ${tarball.split('/').pop()} into .n8n/nodes`);
	execFileSync('npm', ['install', tarball, '--audit=false', '--fund=false', '--ignore-scripts', '--omit=peer', '--legacy-peer-deps'], {
		cwd: nodesDir,
		stdio: ['ignore', 'ignore', 'inherit'],
	});
	const manifest = JSON.parse(readFileSync(join(nodesDir, 'package.json'), 'utf8'));
	return Object.keys(manifest.dependencies)[0];
}
