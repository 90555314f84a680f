// One measuring job in a fresh process (bench/run.ts and bench/probe.ts): bare.ts for the bare
// client, measure.ts for everything with n8n, from this checkout or another one (`tree`: a
// baseline's own bench and build). `BENCH_NODE_FLAGS` passes Node flags to the child (e.g. --trace-gc).
import { fork } from 'node:child_process';
import path from 'node:path';

import { REPO_ROOT } from './emulator';
import type { ChildAnswer, Job } from './jobs';

export interface ChildOptions {
	/** The checkout whose bench runs the job (default: this one). */
	tree?: string;
	/** Set in the child's environment; `undefined` removes a variable. */
	env?: Record<string, string | undefined>;
	/** The child's stdout: shown (probe) or not (the full run prints its own lines). */
	stdout?: 'inherit' | 'ignore';
}

export function runChild(job: Job, binaryDir: string, options: ChildOptions = {}): Promise<ChildAnswer & { ok: true }> {
	const tree = options.tree ?? REPO_ROOT;
	const script = 'variant' in job && (job.variant === 'bare' || job.variant === 'bareInN8n') ? 'bare.ts' : 'measure.ts';
	const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, BENCH_BINARY_DIR: binaryDir };
	for (const [name, value] of Object.entries(options.env ?? {})) if (value === undefined) delete env[name];
	return new Promise((resolve, reject) => {
		let answer: ChildAnswer | undefined;
		const child = fork(path.join(tree, 'bench', script), [JSON.stringify(job)], {
			cwd: tree,
			execArgv: ['--import', 'tsx', '--expose-gc', ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])],
			env,
			stdio: ['ignore', options.stdout ?? 'ignore', 'inherit', 'ipc'],
		});
		let timer = setTimeout(() => child.kill('SIGKILL'), 10 * 60_000);
		child.on('message', (message) => {
			answer = message as ChildAnswer;
			// Rarely, Node hangs while tearing a finished process down (main thread in a futex, seen on
			// 24.21 after a worker thread was terminated): the answer is in, so do not wait for long.
			clearTimeout(timer);
			timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
		});
		child.on('exit', (code, signal) => {
			clearTimeout(timer);
			const what = 'variant' in job ? `${job.kind} ${job.variant}` : job.kind;
			if (answer?.ok) resolve(answer);
			else reject(new Error(`${what}: ${answer && !answer.ok ? answer.error : `exited ${code ?? signal}`}`));
		});
	});
}
