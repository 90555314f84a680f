// The package as users get it: `npm pack`, then installed into `$N8N_USER_FOLDER/.n8n/nodes` the
// way n8n's Settings → Community Nodes does it (n8n 1.123 and 2.41 CommunityPackagesService.
// downloadPackage: unpack into nodes/node_modules/<name>, drop dev/peer/optional dependencies, then
// `npm install` inside the package folder without scripts). n8n scans nodes/node_modules at start.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { run } from './runtime.mjs';

const NPM_INSTALL_ARGS = [
	'--audit=false', '--fund=false', '--bin-links=false', '--install-strategy=shallow', '--ignore-scripts=true', '--package-lock=false',
];

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** `npm pack` of a package folder into `destination`; returns the tarball's path. */
export function pack(packageDir, destination) {
	mkdirSync(destination, { recursive: true });
	const output = execFileSync('npm', ['pack', '--silent', '--pack-destination', destination], { cwd: packageDir, encoding: 'utf8' });
	const name = output.trim().split('\n').pop();
	return join(destination, name);
}

/** Installs a tarball into `<userFolder>/.n8n/nodes` as the Community Nodes screen would. */
export async function installLikeCommunityNodes(tarball, userFolder) {
	const nodesDir = join(userFolder, '.n8n', 'nodes');
	const staging = join(nodesDir, '.unpack');
	mkdirSync(staging, { recursive: true });
	execFileSync('tar', ['-xzf', tarball, '-C', staging, '--strip-components=1']);
	const { devDependencies, peerDependencies, optionalDependencies, ...packageJson } = readJson(join(staging, 'package.json'));
	const packageDir = join(nodesDir, 'node_modules', packageJson.name);
	rmSync(packageDir, { recursive: true, force: true });
	mkdirSync(join(nodesDir, 'node_modules'), { recursive: true });
	cpSync(staging, packageDir, { recursive: true });
	rmSync(staging, { recursive: true, force: true });
	writeFileSync(join(packageDir, 'package.json'), JSON.stringify(packageJson, null, 2));
	await run('npm', ['install', ...NPM_INSTALL_ARGS], { cwd: packageDir, label: 'npm install (community package)', quiet: true });
	const nodesPackageJson = join(nodesDir, 'package.json');
	const installed = existsSync(nodesPackageJson) ? readJson(nodesPackageJson) : { name: 'installed-nodes', private: true, dependencies: {} };
	installed.dependencies = { ...installed.dependencies, [packageJson.name]: packageJson.version };
	writeFileSync(nodesPackageJson, JSON.stringify(installed, null, 2));
	return { name: packageJson.name, version: packageJson.version, dir: packageDir, files: listFiles(packageDir) };
}

function listFiles(dir, prefix = '') {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
		entry.isDirectory() ? listFiles(join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
	);
}

/**
 * Deliberately broken copies of the built package, for --self-test-broken: each must make the e2e
 * checks fail, or the checks prove nothing.
 */
export const BREAKAGES = {
	'wrong-node-path': {
		what: 'package.json n8n.nodes points at a file that is not in dist/',
		apply(dir) {
			const file = join(dir, 'package.json');
			const pkg = readJson(file);
			pkg.n8n.nodes = pkg.n8n.nodes.map((path) => path.replace('dist/nodes/', 'dist/node/'));
			writeFileSync(file, JSON.stringify(pkg, null, 2));
		},
	},
	'missing-icon': {
		what: 'the node\'s light icon (espocrm.svg) is not in the tarball',
		apply(dir) {
			rmSync(join(dir, 'dist', 'nodes', 'EspoCrmAttachment', 'espocrm.svg'));
		},
	},
	'foreign-require': {
		what: 'the node requires a module n8n does not provide (left-pad)',
		apply(dir) {
			const file = join(dir, 'dist', 'nodes', 'EspoCrmAttachment', 'EspoCrmAttachment.node.js');
			writeFileSync(file, `require('left-pad');\n${readFileSync(file, 'utf8')}`);
		},
	},
};

/** A copy of the package's publishable files (package.json, README, LICENSE, dist/), with one breakage or none. */
export function brokenCopy(packageDir, breakage, destination) {
	rmSync(destination, { recursive: true, force: true });
	mkdirSync(destination, { recursive: true });
	for (const name of ['package.json', 'README.md', 'LICENSE', 'dist']) {
		if (existsSync(join(packageDir, name))) cpSync(join(packageDir, name), join(destination, name), { recursive: true });
	}
	if (breakage) BREAKAGES[breakage].apply(destination);
	return destination;
}
