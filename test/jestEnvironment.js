// jest's Node environment, plus a prompt exit for jest's worker processes.
//
// "A worker process has failed to exit gracefully and has been force exited" came from no open
// handle. When the run ends, jest-worker sends each worker END and kills any worker still alive
// 500 ms later (jest-worker FORCE_EXIT_DELAY), printing that notice. Measured in the workers: after
// END their event loop held only the stdio/IPC pipes (no timer, socket or server;
// `--detectOpenHandles` finds nothing) and the 'exit' event fired within a few ms, yet the process
// took 500–700 ms more to end on a busy two-core machine: Node's teardown of the environment and
// the V8 heap, then the kernel taking back 650–750 MB (garbage of earlier test files: each loads
// n8n-core and n8n-workflow afresh, the big-file tests hundreds of MB of buffers). So, in a worker:
// - the garbage of the previous test file is collected when the next one starts, so a worker ends
//   the run holding about one test file's memory, not all of them;
// - once END arrives it ends with process.exit(), which skips Node's teardown. jest-runner's test
//   worker has no teardown of its own, and results and console output were sent before END.
// The main process (--runInBand, a single test file) is left alone: jest decides there.
// What remains is the kernel taking back the last test file's memory (measured 250–450 ms for a
// 530–690 MB worker at a load average of 7–14 on two cores): on a machine that busy the notice can
// still appear now and then; it then names no leak.
const { setFlagsFromString } = require('v8');
const { runInNewContext } = require('vm');
const { TestEnvironment } = require('jest-environment-node');

// jest-worker's message type for "end" (jest-worker/build/types.js CHILD_MESSAGE_END), not exported.
const CHILD_MESSAGE_END = 2;
const inWorker = typeof process.send === 'function' && process.env.JEST_WORKER_ID !== undefined;
let collectGarbage;

if (inWorker) {
	process.on('message', (message) => {
		// After jest-worker's own listener (registered first) has handled END.
		if (Array.isArray(message) && message[0] === CHILD_MESSAGE_END) setImmediate(() => process.exit(process.exitCode ?? 0));
	});
	// V8's gc() without starting the worker with --expose-gc (only this module gets it).
	setFlagsFromString('--expose-gc');
	collectGarbage = runInNewContext('gc');
	setFlagsFromString('--no-expose-gc');
}

class EspoTestEnvironment extends TestEnvironment {
	async setup() {
		if (collectGarbage) collectGarbage();
		await super.setup();
	}
}

module.exports = EspoTestEnvironment;
