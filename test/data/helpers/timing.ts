/**
 * Wall and CPU time of a synchronous call. The speed goals are checked on CPU time: on a
 * shared machine the wall clock also counts other people's processes.
 */
export function timed(fn: () => void): { ms: number; cpuMs: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const c = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}
