/**
 * The work a CPU thread can be handed: a task name, plain parameters and typed arrays. The arrays
 * are views of SharedArrayBuffers, so a worker reads and writes the backend's memory in place.
 * The same table runs on the calling thread and in the workers (worker.ts), so a task computes
 * the same bits wherever it lands.
 */
import type { HostArray } from '../../backend.js';
import type { GruGeometry, GruGradInputs } from '../../gru.js';
import { gruBackwardCpu, gruForwardCpu } from '../../gru-cpu.js';

export const TASKS = {
  /** arrays: [x, W, U, bias, H, HL, G] for a slice of the batch (params.B is the slice's size). */
  gruForward(g: GruGeometry, a: readonly HostArray[]): void {
    gruForwardCpu(g, a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!);
  },
  /** arrays: [...inputs, ...outputs] of gruBackwardCpu; `inputs` says how many are inputs. */
  gruBackward(p: { g: GruGeometry; has: GruGradInputs; inputs: number }, a: readonly HostArray[]): void {
    gruBackwardCpu(p.g, p.has, a.slice(0, p.inputs), a.slice(p.inputs));
  },
  /** Does nothing: the pool's start-up handshake. */
  ping(): void {},
};

export type TaskName = keyof typeof TASKS;

/** One unit of work for one thread. */
export interface ThreadTask<K extends TaskName = TaskName> {
  task: K;
  params: Parameters<(typeof TASKS)[K]>[0];
  arrays: HostArray[];
}

export function runTask(t: ThreadTask): void {
  (TASKS[t.task] as (p: unknown, a: readonly HostArray[]) => void)(t.params, t.arrays);
}
