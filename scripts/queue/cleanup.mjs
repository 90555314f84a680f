// Everything the queue run starts (Redis, PostgreSQL, n8n processes, emulators) registers how to stop
// it here; `stopAll()` runs those in reverse order, at the end, on failure and on Ctrl-C / SIGTERM.
const stoppers = [];
let stopping;

/** Registers `stop` (async); returns a function that unregisters it once the thing stopped itself. */
export function onStop(label, stop) {
	const entry = { label, stop };
	stoppers.push(entry);
	return () => {
		const index = stoppers.indexOf(entry);
		if (index !== -1) stoppers.splice(index, 1);
	};
}

export async function stopAll(log = () => {}) {
	stopping ??= (async () => {
		while (stoppers.length) {
			const { label, stop } = stoppers.pop();
			try {
				await stop();
			} catch (error) {
				log(`stopping ${label} failed: ${error.message}`);
			}
		}
	})();
	await stopping;
	stopping = undefined;
}

/** Ctrl-C or SIGTERM: stop everything we started, then exit 130 / 143. */
export function stopOnSignals(log) {
	for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
		process.once(signal, () => {
			log(`${signal}: stopping everything this run started…`);
			void stopAll(log).finally(() => process.exit(code));
		});
	}
}
