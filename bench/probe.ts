// `npm run bench:probe -- upload 64 node,bare,bareInN8n 5`: one row of the benchmark, measured the
// way `npm run bench` measures it (a fresh child per run, warm-up, input staged in n8n's binary
// storage, the emulator in its own process), printing every run's wall and CPU time and, per
// variant, the median, the best and the ratio to bare. For looking into one gap without the full run.
//   - A variant can carry environment settings for its child, `node:NAME=value`, to try a change
//     behind a variable side by side with the unchanged node in one run; `node:TREE=<dir>` runs the
//     node of another checkout (its own bench and build), e.g. an older commit.
//   - `BENCH_TIMELINE=1` lays each window against the emulator's request log: the client's time
//     before, between and after the requests, and the emulator's time handling each one.
//   - `BENCH_THREADS=1`: CPU per thread in each window (bench/threads.ts); `BENCH_NODE_FLAGS=--trace-gc`
//     passes flags to the children; `BENCH_CPU_PROFILE=/tmp/p.cpuprofile` profiles the last run of each
//     variant (`node bench/profile-summary.mjs /tmp/p.cpuprofile.<variant>`).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { IBinaryData } from 'n8n-workflow';

import { runChild } from './children';
import { createWarmUp, startEmulatorProcess } from './emulator';
import type { ChildAnswer, Job, Measurement, Variant } from './jobs';

const MiB = 1024 * 1024;
const [direction = 'upload', sizeArg = '64', variantArg = 'node,bareInN8n', repeatArg = '4'] = process.argv.slice(2);
if (direction !== 'upload' && direction !== 'download') throw new Error('first argument: upload or download');
const sizeMiB = Number(sizeArg);
// A variant may carry environment settings for its child: `node:NAME=value:NAME2=value` (for A/B trials of a change behind a variable).
const variants = variantArg.split(',');
const variantOf = (label: string) => label.split(':')[0] as Variant;
const envOf = (label: string) => Object.fromEntries(label.split(':').slice(1).map((kv) => kv.split('=') as [string, string]));
const repeat = Number(repeatArg);

/** A job of the probe: its child's stdout shown, a variant's environment settings applied (TREE: another checkout). */
function child(job: Job, binaryDir: string, profile?: string, extraEnv: Record<string, string> = {}): Promise<ChildAnswer> {
	const { TREE: tree, ...env } = extraEnv;
	return runChild(job, binaryDir, { tree, stdout: 'inherit', env: { ...env, BENCH_CPU_PROFILE: profile } });
}

async function main(): Promise<void> {
	const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'espo-probe-'));
	const binaryDir = path.join(workDir, 'binary-data');
	const emu = await startEmulatorProcess();
	try {
		const target = emu.target;
		const warmUp = await createWarmUp(emu, workDir);
		const file = path.join(workDir, `input-${sizeMiB}.mp4`);
		const out = fs.openSync(file, 'w');
		for (let n = 0; n < sizeMiB; n += 4) fs.writeSync(out, randomBytes(Math.min(4, sizeMiB - n) * MiB));
		fs.closeSync(out);
		const fileName = `scan-${sizeMiB}.mp4`;
		const staged = await child({ kind: 'stage', file, fileName, mimeType: 'video/mp4' }, binaryDir);
		const binary = 'staged' in staged ? (staged.staged as IBinaryData) : undefined;
		let attachmentId: string | undefined;
		if (direction === 'download') {
			const answer = await child({ kind: 'upload', variant: 'bare', target, file, fileName, mimeType: 'video/mp4', warmUp }, binaryDir);
			attachmentId = (answer as { measurement: Measurement }).measurement.attachmentId;
		}
		const results: Record<string, Measurement[]> = {};
		for (let r = 1; r <= repeat; r++) {
			for (const label of variants) {
				const variant = variantOf(label);
				const profile = r === repeat && process.env.BENCH_CPU_PROFILE ? `${process.env.BENCH_CPU_PROFILE}.${variant}` : undefined;
				const job: Job =
					direction === 'upload'
						? { kind: 'upload', variant, target, file, fileName, mimeType: 'video/mp4', staged: binary, warmUp }
						: { kind: 'download', variant, target, attachmentId: attachmentId!, workDir, warmUp };
				await emu.control('POST', 'reset-log');
				const answer = (await child(job, binaryDir, profile, envOf(label))) as { measurement: Measurement };
				const m = answer.measurement;
				(results[label] ??= []).push(m);
				if (process.env.BENCH_TIMELINE === '1' && m.windowEpochMs) {
					// The window laid against what the emulator saw: the client's time before the first request, between
					// requests and after the last; the emulator's time handling them (body transfer included).
					const [from, to] = m.windowEpochMs;
					const log = (await emu.control<Array<{ method: string; path: string; startedAt: number; durationMs: number }>>('GET', 'log'))
						.filter((e) => e.startedAt >= from && e.startedAt <= to);
					let handling = 0;
					let between = 0;
					for (const [i, e] of log.entries()) {
						handling += e.durationMs;
						if (i > 0) between += e.startedAt - (log[i - 1].startedAt + log[i - 1].durationMs);
					}
					const last = log[log.length - 1];
					const fmt = (e: (typeof log)[number]) => `${e.method} ${e.path.split('/').slice(1, 3).join('/')} ${e.durationMs}`;
					console.log(`  ${log.length} requests; before the first ${log[0] ? log[0].startedAt - from : '-'} ms, between ${between} ms, after the last ${last ? to - last.startedAt - last.durationMs : '-'} ms; emulator ${handling} ms: ${log.map(fmt).join(', ').slice(0, 300)}`);
				}
				if (direction === 'upload') await emu.api('DELETE', `Attachment/${m.attachmentId}`);
				console.log(`${direction} ${sizeMiB} MiB ${label.padEnd(9)} run ${r}: ${m.seconds.toFixed(3)} s, CPU ${m.cpuSeconds?.toFixed(3)} s, +${(m.memory.peakGrowthBytes / MiB).toFixed(1)} MiB${profile ? ` (profiled: ${profile})` : ''}`);
			}
		}
		const bare = results.bare ?? results.bareInN8n;
		const best = (ms: Measurement[]) => Math.min(...ms.map((m) => m.seconds));
		const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
		for (const label of variants) {
			const ms = results[label];
			console.log(
				`${label.padEnd(9)} median ${median(ms.map((m) => m.seconds)).toFixed(3)} s, best ${best(ms).toFixed(3)} s, least CPU ${Math.min(...ms.map((m) => m.cpuSeconds ?? 0)).toFixed(3)} s, max RSS +${Math.max(...ms.map((m) => m.memory.peakGrowthBytes / MiB)).toFixed(1)} MiB` +
					(bare ? `, ${(best(bare) / best(ms)).toFixed(2)}× ${results.bare ? 'bare' : 'bareInN8n'}` : ''),
			);
		}
	} finally {
		await emu.stop();
		fs.rmSync(workDir, { recursive: true, force: true });
	}
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(error);
		process.exit(1);
	},
);
