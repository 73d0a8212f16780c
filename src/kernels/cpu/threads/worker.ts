/**
 * A CPU worker's entry point, bundled into a string (the `?worker-source` import in pool.ts) so
 * it loads the same way from the Node bundle, the browser bundle and the tests. The host's prelude
 * defines how messages arrive (worker_threads' parentPort or a Web Worker's onmessage).
 */
import { DONE, FAILED, LISTEN_GLOBAL, writeFailure, type TaskMessage } from './protocol.js';
import { runTask } from './tasks.js';

const listen = (globalThis as unknown as Record<string, (fn: (m: TaskMessage) => void) => void>)[LISTEN_GLOBAL]!;

listen(({ control, task }) => {
  try {
    runTask(task);
    Atomics.store(control, 0, DONE);
  } catch (e) {
    writeFailure(control, e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    Atomics.store(control, 0, FAILED);
  }
  Atomics.notify(control, 0);
});
