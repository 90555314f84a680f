// Peak RSS growth of this process over a stretch of work. A worker thread samples the process's RSS
// every 10 ms (it keeps sampling while the main thread is busy in a long synchronous call, such as
// base64 of a whole file), and on Linux the kernel's own high-water mark (VmHWM, reset through
// /proc/self/clear_refs) catches what falls between two samples. The larger of the two is reported.
// The thread also keeps its own CPU time up to date (`samplerCpuSeconds()`), so a measurement can
// leave it out of the process's CPU time: it grows with wall time, not with the work measured.
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';

const SAMPLER = `
const { workerData } = require('node:worker_threads');
const state = new Int32Array(workerData.shared);
const cpu = new Float64Array(workerData.cpu);
const ownCpu = () => { const used = process.threadCpuUsage(); cpu[0] = (used.user + used.system) / 1e6; };
const sample = () => {
	const kib = Math.ceil(process.memoryUsage.rss() / 1024);
	if (kib > Atomics.load(state, 0)) Atomics.store(state, 0, kib);
	Atomics.add(state, 1, 1);
};
sample();
ownCpu();
setInterval(() => { if (Atomics.load(state, 2) === 1) sample(); ownCpu(); }, workerData.intervalMs);
`;

function kernelPeakKib(): number | undefined {
	try {
		const match = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
		return match ? Number(match[1]) : undefined;
	} catch {
		return undefined;
	}
}

function resetKernelPeak(): boolean {
	try {
		fs.writeFileSync('/proc/self/clear_refs', '5');
		return true;
	} catch {
		return false;
	}
}

export interface MemoryWindow {
	baselineBytes: number;
	/** Peak RSS minus the baseline. */
	peakGrowthBytes: number;
	sampledPeakGrowthBytes: number;
	kernelPeakGrowthBytes?: number;
	samples: number;
}

const runGc = (): void => (globalThis as { gc?: () => void }).gc?.();

/** Starts the sampler thread; `begin()` takes the baseline, `end()` the peak since then. */
export async function memorySampler(intervalMs = 10) {
	const shared = new SharedArrayBuffer(3 * 4);
	const state = new Int32Array(shared);
	const cpu = new Float64Array(new SharedArrayBuffer(8));
	const worker = new Worker(SAMPLER, { eval: true, workerData: { shared, cpu: cpu.buffer, intervalMs } });
	await new Promise<void>((resolve) => setTimeout(resolve, 50)); // the thread is up and counted in the baseline
	let baseline = 0;
	let kernelReset = false;
	return {
		begin(): void {
			runGc();
			baseline = process.memoryUsage.rss();
			Atomics.store(state, 0, Math.ceil(baseline / 1024));
			Atomics.store(state, 1, 0);
			kernelReset = resetKernelPeak();
			Atomics.store(state, 2, 1);
		},
		end(): MemoryWindow {
			Atomics.store(state, 2, 0);
			const now = Math.ceil(process.memoryUsage.rss() / 1024);
			const sampledKib = Math.max(Atomics.load(state, 0), now);
			const kernelKib = kernelReset ? kernelPeakKib() : undefined;
			const sampledPeakGrowthBytes = Math.max(0, sampledKib * 1024 - baseline);
			const kernelPeakGrowthBytes = kernelKib === undefined ? undefined : Math.max(0, kernelKib * 1024 - baseline);
			return {
				baselineBytes: baseline,
				peakGrowthBytes: Math.max(sampledPeakGrowthBytes, kernelPeakGrowthBytes ?? 0),
				sampledPeakGrowthBytes,
				kernelPeakGrowthBytes,
				samples: Atomics.load(state, 1),
			};
		},
		/** The sampler thread's own CPU seconds so far (updated every interval). */
		samplerCpuSeconds(): number {
			return cpu[0];
		},
		async close(): Promise<void> {
			await worker.terminate();
		},
	};
}
