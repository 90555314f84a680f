// `BENCH_THREADS=1`: what a measuring child's window cost, per thread, printed to stderr:
//   [threads upload node] main 0.37, libuv-worker 0.09, WorkerThread 0.04, V8Worker 0.02 s
// (Linux /proc/self/task: user + system time, grouped by thread name: the main thread, libuv's pool
// that reads files, V8's garbage-collection helpers, the memory sampler), and the window in the
// clock of V8's `--trace-gc` lines (ms since the process started), so the collections inside it
// can be picked out (`BENCH_NODE_FLAGS=--trace-gc npm run bench:probe -- …`).
import fs from 'node:fs';

type Snapshot = Map<string, { name: string; ticks: number }>;

function snapshot(): Snapshot {
	const threads: Snapshot = new Map();
	try {
		for (const tid of fs.readdirSync('/proc/self/task')) {
			const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
			const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			threads.set(tid, { name, ticks: Number(fields[11]) + Number(fields[12]) }); // utime + stime, in 1/100 s
		}
	} catch {
		// not Linux: nothing to report
	}
	return threads;
}

export function windowDiagnostics(label: string): { start(): void; stop(): void } {
	const enabled = process.env.BENCH_THREADS === '1';
	let before: Snapshot = new Map();
	let from = 0;
	return {
		start: () => {
			if (!enabled) return;
			before = snapshot();
			from = performance.now();
		},
		stop: () => {
			if (!enabled) return;
			const to = performance.now();
			const byName = new Map<string, number>();
			for (const [tid, { name, ticks }] of snapshot()) {
				const key = tid === String(process.pid) ? 'main' : name;
				byName.set(key, (byName.get(key) ?? 0) + ticks - (before.get(tid)?.ticks ?? 0));
			}
			const parts = [...byName].filter(([, t]) => t > 0).sort((a, b) => b[1] - a[1]).map(([n, t]) => `${n} ${(t / 100).toFixed(2)}`);
			process.stderr.write(`[threads ${label}] ${parts.join(', ')} s\n[window ${label}] ${from.toFixed(0)}–${to.toFixed(0)} ms\n`);
		},
	};
}
