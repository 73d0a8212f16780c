/**
 * How the calling thread and a worker talk: the task goes by postMessage (the arrays in it are
 * shared, not copied); completion comes back through a shared control word the caller waits on
 * with Atomics.wait, so a kernel dispatch stays synchronous. A failure's message is written into
 * the control block as UTF-16 code units, because the caller cannot receive messages while it
 * blocks.
 */
import type { ThreadTask } from './tasks.js';

export const RUNNING = 0;
export const DONE = 1;
export const FAILED = 2;

/** Control block layout: [state, message length, message code units…]. */
export const MESSAGE_CAPACITY = 1024;
export const CONTROL_WORDS = 2 + MESSAGE_CAPACITY;

export interface TaskMessage {
  control: Int32Array;
  task: ThreadTask;
}

/** Name of the global the host's prelude sets in a worker: subscribe to task messages. */
export const LISTEN_GLOBAL = 'webgradThreadListen';

export function writeFailure(control: Int32Array, message: string): void {
  const n = Math.min(message.length, MESSAGE_CAPACITY);
  for (let i = 0; i < n; i++) control[2 + i] = message.charCodeAt(i);
  control[1] = n;
}

export function readFailure(control: Int32Array): string {
  let s = '';
  for (let i = 0; i < control[1]!; i++) s += String.fromCharCode(control[2 + i]!);
  return s;
}
