// `BENCH_CPU_PROFILE=<file>`: a CPU profile of a measuring child's window only (measure.ts and
// bare.ts), to see where the time goes. Open it in Chrome DevTools or summarise it with
// `node bench/profile-summary.mjs <file>`. Without the variable, start and stop do nothing.
// A profiled run's CPU figure includes the profiler's own thread (≈0.3 s per 64 MiB transfer here):
// compare CPU figures of unprofiled runs only.
import { writeFileSync } from 'node:fs';

export interface WindowProfiler {
	start(): Promise<void>;
	stop(): Promise<void>;
}

export async function windowProfiler(file = process.env.BENCH_CPU_PROFILE): Promise<WindowProfiler> {
	if (!file) return { start: async () => undefined, stop: async () => undefined };
	const { Session } = await import('node:inspector/promises');
	const session = new Session();
	session.connect();
	await session.post('Profiler.enable');
	await session.post('Profiler.setSamplingInterval', { interval: 200 });
	return {
		start: async () => void (await session.post('Profiler.start')),
		stop: async () => {
			const { profile } = await session.post('Profiler.stop');
			writeFileSync(file, JSON.stringify(profile));
			session.disconnect();
		},
	};
}
