// One measurement in a fresh process (run.ts forks it): this package's node or the naive way,
// through the real n8n engine, in filesystem binary mode. The timed and memory-measured window is
// the node under test only. The input file is put into n8n's binary storage beforehand, by
// streaming, in a process of its own (`kind: 'stage'`), so this process's baseline is clean; a
// warm-up run with a tiny input comes first (see WarmUp in jobs.ts).
import { rmSync } from 'node:fs';

import type { INodeParameters } from 'n8n-workflow';

import { cpuTime, type ChildAnswer, type Job, type Measurement } from './jobs';
import { memorySampler } from './memory';
import { windowProfiler } from './profile';
import { windowDiagnostics } from './threads';
import type { SourceJob } from './nodes';
import { HARNESS_DIR, PACKAGE_NODE_TYPE, runBenchWorkflow, stageInput, storedFileDigest } from './workflow';

const resourceLocator = (value: string) => ({ __rl: true, mode: 'id', value });

type MeasuredJob = Exclude<Job, { kind: 'stage' }>;

/** The workflow for a job; `warm`: its warm-up (a tiny input; the node in tiny chunks to run that path too). */
function plan(job: MeasuredJob, warm = false): { source: SourceJob; nodeType: string; parameters: INodeParameters } {
	if (warm && job.kind === 'upload' && job.warmUp) {
		const tiny = plan({ ...job, staged: undefined, file: job.warmUp.file, warmUp: undefined });
		return job.variant === 'node' ? { ...tiny, parameters: { ...tiny.parameters, options: { chunkSizeMb: 0.02 } } } : tiny;
	}
	if (warm && job.kind === 'download' && job.warmUp) return plan({ ...job, attachmentId: job.warmUp.attachmentId, warmUp: undefined });
	if (job.variant === 'bare') throw new Error('bare runs in bench/bare.ts');
	switch (job.kind) {
		case 'upload':
			return {
				source: job.staged
					? { mode: 'stored', binary: job.staged }
					: { mode: 'file', path: job.file, fileName: job.fileName, mimeType: job.mimeType },
				...(job.variant === 'node'
					? { nodeType: PACKAGE_NODE_TYPE, parameters: { operation: 'upload', entityType: 'Case', field: 'attachments' } }
					: { nodeType: 'bench.naiveUpload', parameters: {} }),
			};
		case 'download':
			return {
				source: { mode: 'ids', ids: [job.attachmentId] },
				...(job.variant === 'node'
					? { nodeType: PACKAGE_NODE_TYPE, parameters: { operation: 'download', attachmentId: resourceLocator('={{ $json.id }}'), outputBinaryField: 'data' } }
					: { nodeType: 'bench.naiveDownload', parameters: {} }),
			};
		case 'batch':
			return {
				source: { mode: 'batch', caseIds: job.caseIds, count: job.count, bytes: job.bytes },
				...(job.variant === 'node'
					? {
							nodeType: PACKAGE_NODE_TYPE,
							parameters: { operation: 'uploadToAttachmentMultiple', entityType: 'Case', field: 'attachments', recordMode: 'existing', recordId: resourceLocator('={{ $json.caseId }}') },
						}
					: { nodeType: 'bench.naiveAppendLoop', parameters: {} }),
			};
	}
}

async function measure(job: MeasuredJob): Promise<Measurement> {
	const credentials = { baseUrl: job.target.url, authMethod: 'apiKey' as const, apiKey: job.target.apiKey };
	if ('warmUp' in job && job.warmUp) {
		const warm = await runBenchWorkflow({ ...plan(job, true), credentials, onStart: () => undefined, onEnd: () => undefined });
		await warm.cleanUp();
		if (warm.error) throw new Error(`warm-up: ${warm.error}`);
	}
	const profiler = await windowProfiler();
	const sampler = await memorySampler();
	const diagnostics = windowDiagnostics(`${job.kind} ${job.variant}`);
	let started = 0;
	let seconds = 0;
	const windowEpochMs: [number, number] = [0, 0];
	let cpuAtStart = process.cpuUsage();
	let samplerCpuAtStart = 0;
	let cpuSeconds = 0;
	let memory: Measurement['memory'] | undefined;
	const run = await runBenchWorkflow({
		...plan(job),
		credentials,
		onStart: async () => {
			await profiler.start();
			sampler.begin();
			samplerCpuAtStart = sampler.samplerCpuSeconds();
			diagnostics.start();
			cpuAtStart = process.cpuUsage();
			started = performance.now();
			windowEpochMs[0] = Date.now();
		},
		onEnd: async () => {
			seconds = (performance.now() - started) / 1000;
			windowEpochMs[1] = Date.now();
			diagnostics.stop();
			cpuSeconds = cpuTime(cpuAtStart) - (sampler.samplerCpuSeconds() - samplerCpuAtStart);
			memory = sampler.end();
			await profiler.stop();
		},
	});
	await sampler.close();
	try {
		if (run.error) throw new Error(run.error);
		if (!memory) throw new Error('the node under test did not run');
		const measurement: Measurement = { seconds, cpuSeconds, memory, items: run.items.length, windowEpochMs };
		if (job.kind === 'upload') measurement.attachmentId = run.items[0]?.json.id as string;
		if (job.kind === 'download') {
			const stored = run.items[0]?.binary?.data;
			if (!stored?.id) throw new Error(`the download was not stored as a file (data: ${String(stored?.data).slice(0, 40)})`);
			Object.assign(measurement, await storedFileDigest(stored.id));
		}
		return measurement;
	} finally {
		await run.cleanUp();
	}
}

const job = JSON.parse(process.argv[2]) as Job;
const work: Promise<ChildAnswer> =
	job.kind === 'stage'
		? stageInput({ mode: 'file', path: job.file, fileName: job.fileName, mimeType: job.mimeType }).then((staged) => ({ ok: true, staged }))
		: measure(job).then((measurement) => ({ ok: true, measurement }));
work.then(
	finish,
	(error: unknown) => finish({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
);

function finish(answer: ChildAnswer): void {
	rmSync(HARNESS_DIR, { recursive: true, force: true });
	// Run by hand (no IPC channel): print the answer instead.
	if (!process.send) {
		console.log(JSON.stringify(answer, null, 1));
		process.exit(answer.ok ? 0 : 1);
	}
	process.send(answer, undefined, undefined, () => process.exit(0));
}
