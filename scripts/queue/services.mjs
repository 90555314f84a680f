// Redis and PostgreSQL for n8n's queue mode: Debian's packages (installed when missing), each run
// as a private instance of this script (loopback port, own data folder, child process), never as a
// system service. See "Queue mode, observed" in /work/shared/reference/n8n-runtime.md.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

import { onStop } from './cleanup.mjs';

const PG_ROOT = '/usr/lib/postgresql';
/** PostgreSQL refuses to run as root: as root, the instance runs as this system user. */
const PG_OS_USER = 'n8nqueuepg';

/** Rejects when something else listens on 127.0.0.1:`port` (its readiness answer would look like ours). */
export function assertPortFree(port, owner) {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', () => reject(new Error(`${owner}: port ${port} on 127.0.0.1 is in use by another process`)));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
	});
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function which(command) {
	try {
		return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
	} catch {
		return undefined;
	}
}

/** The newest installed PostgreSQL's bin folder (Debian: /usr/lib/postgresql/<major>/bin). */
function postgresBin() {
	if (!existsSync(PG_ROOT)) return undefined;
	const majors = readdirSync(PG_ROOT).filter((name) => existsSync(join(PG_ROOT, name, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a));
	return majors.length ? join(PG_ROOT, majors[0], 'bin') : undefined;
}

function runQuiet(command, args, options = {}) {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
		let output = '';
		child.stdout.on('data', (chunk) => (output += chunk));
		child.stderr.on('data', (chunk) => (output += chunk));
		child.on('error', reject);
		child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output.slice(-2000)}`))));
	});
}

/** `apt-get install redis-server postgresql` when either is missing (one `apt-get update` first). */
export async function ensureDebianPackages(log) {
	const missing = [];
	if (!which('redis-server')) missing.push('redis-server');
	if (!postgresBin()) missing.push('postgresql');
	if (missing.length === 0) return { installed: [], seconds: 0 };
	if (process.getuid?.() !== 0) {
		throw new Error(`Missing ${missing.join(' and ')}: run as root, or install them first (sudo apt-get install -y ${missing.join(' ')})`);
	}
	const started = Date.now();
	log(`installing Debian packages ${missing.join(', ')} (apt-get update + install; no service is started)`);
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	const lock = ['-o', 'DPkg::Lock::Timeout=600'];
	await runQuiet('apt-get', [...lock, 'update'], { env });
	await runQuiet('apt-get', [...lock, 'install', '-y', '--no-install-recommends', ...missing], { env });
	return { installed: missing, seconds: (Date.now() - started) / 1000 };
}

/** A child process that must be stopped with a signal; resolves when it has exited. */
function stopChild(child, signal, timeoutMs = 20_000) {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	const closed = new Promise((resolve) => child.once('close', resolve));
	child.kill(signal);
	return Promise.race([closed, sleep(timeoutMs).then(() => child.kill('SIGKILL'))]).then(() => closed);
}

function redisPing(port) {
	return new Promise((resolve) => {
		const socket = connect({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
		socket.setTimeout(1000, () => socket.destroy());
		socket.on('data', (data) => {
			resolve(data.toString().startsWith('+PONG'));
			socket.destroy();
		});
		socket.on('error', () => resolve(false));
		socket.on('close', () => resolve(false));
	});
}

export async function startRedis({ port, dir }) {
	await assertPortFree(port, 'redis-server');
	mkdirSync(dir, { recursive: true });
	const child = spawn(which('redis-server'), ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'], {
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let output = '';
	child.stdout.on('data', (chunk) => (output += chunk));
	child.stderr.on('data', (chunk) => (output += chunk));
	const stop = () => stopChild(child, 'SIGTERM');
	const unregister = onStop(`redis :${port}`, stop);
	const deadline = Date.now() + 20_000;
	while (!(await redisPing(port))) {
		if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not answer PING on 127.0.0.1:${port}:\n${output.slice(-1500)}`);
		await sleep(200);
	}
	const version = /v=(\S+)/.exec(output)?.[1] ?? execFileSync(which('redis-server'), ['--version'], { encoding: 'utf8' }).match(/v=(\S+)/)?.[1];
	return {
		port,
		version,
		pid: child.pid,
		stop: async () => {
			await stop();
			unregister();
		},
	};
}

/** As root: a system user for PostgreSQL (created once), owning the data and socket folders. */
function postgresOwner(dirs) {
	if (process.getuid?.() !== 0) return {};
	try {
		execFileSync('id', ['-u', PG_OS_USER], { stdio: 'ignore' });
	} catch {
		execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', PG_OS_USER]);
	}
	const uid = Number(execFileSync('id', ['-u', PG_OS_USER], { encoding: 'utf8' }));
	const gid = Number(execFileSync('id', ['-g', PG_OS_USER], { encoding: 'utf8' }));
	for (const dir of dirs) chownSync(dir, uid, gid);
	return { uid, gid };
}

/**
 * A private PostgreSQL: `initdb` into `<dir>/data` (trust auth, loopback only), `postgres` as a child
 * process, then a login role and a database for n8n. fsync is off: the data is thrown away after the run.
 */
export async function startPostgres({ port, dir, database = 'n8n', user = 'n8n', password = 'n8n-queue-test' }) {
	await assertPortFree(port, 'PostgreSQL');
	const bin = postgresBin();
	const data = join(dir, 'data');
	const sockets = join(dir, 'sockets');
	mkdirSync(data, { recursive: true });
	mkdirSync(sockets, { recursive: true });
	chmodSync(dir, 0o755);
	chmodSync(data, 0o700);
	const owner = postgresOwner([data, sockets]);
	const superuser = owner.uid !== undefined ? PG_OS_USER : execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
	await runQuiet(join(bin, 'initdb'), ['-D', data, '-U', superuser, '--auth=trust', '-E', 'UTF8', '--no-sync'], { ...owner, cwd: dir });
	const child = spawn(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', sockets, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'], {
		...owner,
		cwd: dir,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let output = '';
	child.stdout.on('data', (chunk) => (output = (output + chunk).slice(-20_000)));
	child.stderr.on('data', (chunk) => (output = (output + chunk).slice(-20_000)));
	// SIGINT = "fast shutdown": open sessions are ended, the postmaster waits for its children.
	const stop = () => stopChild(child, 'SIGINT');
	const unregister = onStop(`postgres :${port}`, stop);
	const psqlBin = join(bin, 'psql');
	const query = (sql, { as = user, db = database } = {}) =>
		runQuiet(psqlBin, ['-h', '127.0.0.1', '-p', String(port), '-U', as, '-d', db, '-v', 'ON_ERROR_STOP=1', '-At', '-F', '\t', '-c', sql]).then((out) =>
			out.split('\n').filter(Boolean).map((line) => line.split('\t')),
		);
	const deadline = Date.now() + 30_000;
	for (;;) {
		const ready = await runQuiet(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)]).then(() => true, () => false);
		if (ready) break;
		if (child.exitCode !== null || Date.now() > deadline) throw new Error(`PostgreSQL did not start on 127.0.0.1:${port}:\n${output.slice(-1500)}`);
		await sleep(200);
	}
	await query(`CREATE USER ${user} WITH PASSWORD '${password}'`, { as: superuser, db: 'postgres' });
	await query(`CREATE DATABASE ${database} OWNER ${user}`, { as: superuser, db: 'postgres' });
	const version = (await query('SHOW server_version', { as: superuser, db: 'postgres' }))[0][0];
	return {
		port,
		version,
		pid: child.pid,
		database,
		user,
		password,
		query,
		stop: async () => {
			await stop();
			unregister();
		},
	};
}
