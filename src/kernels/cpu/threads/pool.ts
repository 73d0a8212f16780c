/**
 * A pool of CPU worker threads for the CPU backend's heavy kernels. A kernel splits its work into
 * independent tasks; `run` does the first on the calling thread and the others on workers, and
 * returns when all are done, so dispatch stays synchronous (Atomics.wait, allowed on Node's main
 * thread and in browser workers, not on a browser's main thread). Workers start on first use (or
 * `start()`); until they answer, or if they cannot start, the tasks run one after another on the
 * calling thread: slower, same result.
 */
import workerSource from './worker.js?worker-source';
import { CONTROL_WORDS, DONE, FAILED, LISTEN_GLOBAL, readFailure, RUNNING, type TaskMessage } from './protocol.js';
import { runTask, type ThreadTask } from './tasks.js';

/** What kernels see of the pool. */
export interface CpuThreads {
  /** Threads available, the calling one included: split work into at most this many tasks. */
  readonly size: number;
  /** Runs the tasks concurrently (tasks[0] on the calling thread) and returns when all are done. */
  run(tasks: readonly ThreadTask[]): void;
}

interface WorkerHandle {
  postMessage(m: TaskMessage): void;
  terminate(): unknown;
}

/** How long a new worker may take to answer its first message before the pool gives up on threads. */
const START_TIMEOUT_MS = 20_000;

type GetBuiltin = (id: string) => unknown;
const nodeBuiltin = (): GetBuiltin | undefined => (globalThis as { process?: { getBuiltinModule?: GetBuiltin } }).process?.getBuiltinModule;

/** Why worker threads cannot serve a synchronous kernel here, or null when they can. */
export function threadSupport(): string | null {
  if (typeof SharedArrayBuffer !== 'function') return 'SharedArrayBuffer is unavailable (a browser page needs cross-origin isolation: COOP/COEP headers)';
  const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
  if (isNode) return nodeBuiltin() ? null : 'this Node lacks process.getBuiltinModule (Node ≥ 20.16 has it)';
  if (typeof document !== 'undefined') return "Atomics.wait cannot block a browser page's main thread (run webgrad in a Web Worker to use CPU threads)";
  return typeof Worker === 'function' ? null : 'Web Workers are unavailable';
}

/** Hardware threads of this machine (1 when unknown). */
export function hardwareThreads(): number {
  const os = nodeBuiltin()?.('node:os') as { availableParallelism?: () => number; cpus: () => unknown[] } | undefined;
  if (os) return os.availableParallelism?.() ?? os.cpus().length;
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

function spawn(): WorkerHandle {
  const get = nodeBuiltin();
  if (get) {
    const { Worker } = get('node:worker_threads') as typeof import('node:worker_threads');
    const prelude = `const { parentPort } = require('node:worker_threads'); globalThis.${LISTEN_GLOBAL} = (fn) => parentPort.on('message', fn);\n`;
    const w = new Worker(prelude + workerSource, { eval: true });
    // An idle worker must not keep the process alive (the caller is blocked whenever one works).
    w.unref();
    return w;
  }
  const prelude = `globalThis.${LISTEN_GLOBAL} = (fn) => { self.onmessage = (e) => fn(e.data); };\n`;
  return new Worker(URL.createObjectURL(new Blob([prelude + workerSource], { type: 'text/javascript' })));
}

interface Thread {
  handle: WorkerHandle;
  control: Int32Array;
}

export class ThreadPool implements CpuThreads {
  private workers: Thread[] | null = null;
  private spawnedAt = 0;
  private ready = false;
  /** Set when the workers could not start: tasks then run on the calling thread. */
  private unavailable: string | null = null;
  private parallel = 0;

  /** @param size threads including the calling one (≥ 2 to be of any use). */
  constructor(readonly size: number) {}

  /** Why the pool runs everything on the calling thread, if it does. */
  get fallbackReason(): string | null {
    return this.unavailable;
  }

  /** Calls of `run` whose tasks really ran on several threads. */
  get parallelRuns(): number {
    return this.parallel;
  }

  run(tasks: readonly ThreadTask[]): void {
    if (tasks.length > this.size) throw new Error(`ThreadPool.run: ${tasks.length} tasks for ${this.size} threads`);
    const workers = tasks.length > 1 ? this.poll(isNode()) : null;
    if (!workers) {
      tasks.forEach(runTask);
      return;
    }
    this.parallel++;
    for (let i = 1; i < tasks.length; i++) post(workers[i - 1]!, tasks[i]!);
    let local: unknown = null;
    try {
      runTask(tasks[0]!);
    } catch (e) {
      local = e;
    }
    const failures: string[] = [];
    for (let i = 1; i < tasks.length; i++) {
      const f = wait(workers[i - 1]!.control, Infinity);
      if (f) failures.push(`${tasks[i]!.task} on worker ${i}: ${f}`);
    }
    if (local) throw local;
    if (failures.length) throw new Error(`CPU thread failed: ${failures.join('; ')}`);
  }

  /**
   * Starts the workers and resolves once they answer (or cannot start: then `fallbackReason`
   * says why). Optional: without it, work runs on the calling thread until the workers are up.
   * A browser worker must await this or yield to its event loop, because a nested worker
   * cannot boot while its parent blocks.
   */
  async start(): Promise<void> {
    while (!this.poll(false) && !this.unavailable) await new Promise((r) => setTimeout(r, 2));
  }

  dispose(): void {
    this.workers?.forEach((w) => w.handle.terminate());
    this.workers = null;
    this.ready = false;
  }

  /**
   * The workers once they are up, else null (then the caller works alone). Spawns them on first
   * use. `block`: wait for their first answer (Node, where workers boot on their own threads);
   * otherwise just look.
   */
  private poll(block: boolean): Thread[] | null {
    if (this.ready || this.unavailable) return this.workers;
    try {
      if (!this.workers) {
        this.unavailable = threadSupport();
        if (this.unavailable) return null;
        this.workers = Array.from({ length: this.size - 1 }, () => ({ handle: spawn(), control: new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS)) }));
        this.workers.forEach((w) => post(w, { task: 'ping', params: undefined, arrays: [] }));
        this.spawnedAt = performance.now();
      }
      const left = START_TIMEOUT_MS - (performance.now() - this.spawnedAt);
      for (const w of this.workers) {
        const f = block ? wait(w.control, left) : Atomics.load(w.control, 0) === RUNNING ? (left > 0 ? 'starting' : 'timed out') : stateMessage(w.control);
        if (f === 'starting') return null;
        if (f) throw new Error(f);
      }
      this.ready = true;
      return this.workers;
    } catch (e) {
      this.dispose();
      this.unavailable = `worker threads did not start (${e instanceof Error ? e.message : String(e)})`;
      return null;
    }
  }
}

const isNode = (): boolean => nodeBuiltin() !== undefined;

function post(w: Thread, task: ThreadTask): void {
  Atomics.store(w.control, 0, RUNNING);
  w.handle.postMessage({ control: w.control, task });
}

/** A finished task's outcome: null when done, else the failure. */
function stateMessage(control: Int32Array): string | null {
  const state = Atomics.load(control, 0);
  return state === DONE ? null : state === FAILED ? readFailure(control) : `unknown state ${state}`;
}

/** Blocks until the worker reports; returns its failure message, 'timed out', or null. */
function wait(control: Int32Array, timeoutMs: number): string | null {
  const end = performance.now() + timeoutMs;
  while (Atomics.load(control, 0) === RUNNING) {
    const left = end - performance.now();
    if (left <= 0 || Atomics.wait(control, 0, RUNNING, left) === 'timed-out') return 'timed out';
  }
  return stateMessage(control);
}
