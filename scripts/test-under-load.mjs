// npm run test:load: the whole jest suite, twice in a row, while a load generator keeps every core
// busy (one busy-loop process per core, at least two). The suite must pass both times: a test that
// only passes on an idle machine is broken (DEVELOPERS.md). Builds first (the workflow tests load
// the package from dist). Prints one line per run and exits non-zero if either run failed.
//
//   npm run test:load                 # two runs
//   npm run test:load -- --runs 3     # more runs
//   npm run test:load -- test/catalogue   # extra arguments go to jest
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';

const args = process.argv.slice(2);
let runs = 2;
const at = args.indexOf('--runs');
if (at !== -1) {
	runs = Math.max(1, Number(args[at + 1]) || 2);
	args.splice(at, 2);
}
const busyCount = Math.max(2, availableParallelism());

const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

// The load: plain busy loops, started here and stopped here by their own PIDs.
const busy = Array.from({ length: busyCount }, () =>
	spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
);
let current; // the running jest, stopped with the load on Ctrl-C
const stopLoad = () => {
	for (const child of busy) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
	if (current && current.exitCode === null && current.signalCode === null) process.kill(-current.pid, 'SIGKILL');
};
process.on('exit', stopLoad);
for (const signal of ['SIGINT', 'SIGTERM']) {
	process.on(signal, () => {
		stopLoad();
		process.exit(130);
	});
}
console.log(`test:load: ${busyCount} busy-loop processes running (PIDs ${busy.map((child) => child.pid).join(', ')})`);

function runJest(run) {
	return new Promise((resolve) => {
		const started = Date.now();
		let tail = '';
		const jest = spawn(process.execPath, ['node_modules/jest/bin/jest.js', ...args], {
			stdio: ['ignore', 'inherit', 'pipe'],
			detached: true, // its own process group, so its workers go with it
		});
		current = jest;
		jest.stderr.on('data', (data) => {
			process.stderr.write(data);
			tail = (tail + data.toString()).slice(-4000);
		});
		jest.on('close', (code) => resolve({ code, seconds: Math.round((Date.now() - started) / 1000), tail }));
	});
}

const results = [];
for (let run = 1; run <= runs; run++) {
	console.log(`test:load: run ${run} of ${runs}`);
	const { code, seconds, tail } = await runJest(run);
	const summary = /Tests:\s+([^\n]+)/.exec(tail)?.[1]?.trim() ?? `jest exited with ${code}`;
	results.push({ run, code, seconds, summary, load: loadavg()[0].toFixed(1) });
	console.log(`test:load: run ${run}: ${code === 0 ? 'PASS' : 'FAIL'} in ${seconds} s — ${summary}`);
}
stopLoad();

console.log('\ntest:load summary (both cores busy):');
for (const { run, code, seconds, summary, load } of results) {
	console.log(`  run ${run}: ${code === 0 ? 'PASS' : 'FAIL'} ${seconds} s  ${summary}  (load average ${load} at its end)`);
}
process.exit(results.every((result) => result.code === 0) ? 0 : 1);
