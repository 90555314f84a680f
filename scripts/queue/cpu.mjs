// CPU time of the run's processes (n8n main and workers with their task runners, Redis, PostgreSQL
// with its backends, the emulator, this script) and of the whole machine, from /proc, so the table
// shows when a throughput figure is bound by the machine's cores rather than by waiting.
//
// A process's CPU = utime + stime of it and of every live descendant, plus cutime + cstime (children
// that already exited and were reaped, e.g. PostgreSQL backends, psql calls of this script).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

let ticksPerSecond;
function clockTicks() {
	if (ticksPerSecond === undefined) {
		try {
			ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
		} catch {
			ticksPerSecond = 100;
		}
	}
	return ticksPerSecond;
}

/** `/proc/<pid>/stat` → `{ ppid, ticks }` (fields after the command name, which may hold spaces). */
function stat(pid) {
	try {
		const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
		// fields[0] is field 3 (state): ppid = field 4, utime..cstime = fields 14..17.
		const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
		return { ppid: Number(fields[1]), ticks: utime + stime + cutime + cstime };
	} catch {
		return undefined; // exited
	}
}

function processTable() {
	const table = new Map();
	for (const name of readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		const entry = stat(name);
		if (entry) table.set(Number(name), entry);
	}
	return table;
}

/** CPU seconds of `pid` and its descendants, leaving out the subtrees of `exclude` (pids). */
function treeSeconds(table, pid, exclude) {
	const children = new Map();
	for (const [child, { ppid }] of table) {
		if (!children.has(ppid)) children.set(ppid, []);
		children.get(ppid).push(child);
	}
	let ticks = 0;
	const stack = [pid];
	while (stack.length) {
		const current = stack.pop();
		const entry = table.get(current);
		if (!entry) continue;
		ticks += entry.ticks;
		for (const child of children.get(current) ?? []) if (!exclude.has(child)) stack.push(child);
	}
	return ticks / clockTicks();
}

/** Busy and total CPU seconds of the whole machine since boot (all cores, /proc/stat). */
function machineSeconds() {
	const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
	const [user, nice, system, idle, iowait, irq, softirq, steal] = values.map(Number);
	const total = user + nice + system + idle + iowait + irq + softirq + (steal || 0);
	return { busy: (total - idle - iowait) / clockTicks(), total: total / clockTicks() };
}

/**
 * A CPU meter over named processes: `{ main: pid, w1: pid, … }`. `start()` then `stop()` gives, per
 * name, the CPU it used in between as a share of one core, and the machine's busy share of all cores.
 * This script itself (`this script`) counts without the subtrees of the named processes.
 */
export function cpuMeter(named) {
	const entries = Object.entries(named).filter(([, pid]) => Number.isInteger(pid));
	const pids = new Set(entries.map(([, pid]) => pid));
	const sample = () => {
		const table = processTable();
		const seconds = Object.fromEntries(entries.map(([name, pid]) => [name, treeSeconds(table, pid, new Set())]));
		seconds['this script'] = treeSeconds(table, process.pid, pids);
		return { at: Date.now(), seconds, machine: machineSeconds() };
	};
	let first;
	return {
		start() {
			first = sample();
		},
		/** `{ wallSeconds, cpu: { name: seconds }, share: { name: fraction of one core }, machine: { busyCores, cores, othersCores } }` */
		stop() {
			const last = sample();
			const wallSeconds = (last.at - first.at) / 1000;
			const cpu = Object.fromEntries(Object.keys(last.seconds).map((name) => [name, Math.max(0, last.seconds[name] - (first.seconds[name] ?? 0))]));
			const share = Object.fromEntries(Object.entries(cpu).map(([name, s]) => [name, s / wallSeconds]));
			const cores = cpus().length;
			const busyCores = (last.machine.busy - first.machine.busy) / wallSeconds;
			const ours = Object.values(share).reduce((sum, s) => sum + s, 0);
			return { wallSeconds, cpu, share, machine: { busyCores, cores, ourCores: ours, othersCores: Math.max(0, busyCores - ours) } };
		},
	};
}

/** "main 85%, w1 97%, … ; machine 1.95 of 2 cores busy (this run 1.60, other jobs 0.35)" (100% = one core). */
export function describeCpu(usage) {
	const parts = Object.entries(usage.share).map(([name, s]) => `${name} ${(s * 100).toFixed(0)}%`);
	const { busyCores, cores, ourCores, othersCores } = usage.machine;
	return `${parts.join(', ')} (100% = one core); machine ${busyCores.toFixed(2)} of ${cores} cores busy (this run ${ourCores.toFixed(2)}, other jobs ${othersCores.toFixed(2)})`;
}
