import { execSync } from 'node:child_process';
import { cpus, totalmem, platform, release, arch, loadavg } from 'node:os';
import type { Backend } from '../../src/index.js';
import type { WebGPUBackend } from '../../src/kernels/webgpu/backend.js';

/** Where a benchmark ran: written into every results file. */
export interface BenchEnvironment {
  date: string;
  gitCommit: string | null;
  gitDirty: boolean | null;
  node: string;
  platform: string;
  cpu: { model: string; cores: number; memoryGiB: number };
  /** 1/5/15-minute load averages when the results were written: other work on the machine skews timings. */
  loadAverage: number[];
  backends: Record<string, unknown>;
}

function git(args: string): string | null {
  try {
    return execSync(`git ${args}`, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function describeEnvironment(backends: readonly Backend[]): BenchEnvironment {
  const status = git('status --porcelain');
  const c = cpus();
  return {
    date: new Date().toISOString(),
    gitCommit: git('rev-parse --short HEAD'),
    gitDirty: status === null ? null : status.length > 0,
    node: process.version,
    platform: `${platform()} ${release()} ${arch()}`,
    cpu: { model: c[0]?.model.trim() ?? 'unknown', cores: c.length, memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10 },
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    backends: Object.fromEntries(backends.map((b) => [b.name, describeBackend(b)])),
  };
}

const LIMITS = ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupsPerDimension'] as const;

function describeBackend(b: Backend): Record<string, unknown> {
  if (b.name !== 'webgpu') return { description: b.description };
  const g = b as WebGPUBackend;
  return {
    description: g.description,
    adapter: { ...g.adapter },
    isFallbackAdapter: g.adapter.isFallbackAdapter,
    kernelVariant: g.variant,
    limits: Object.fromEntries(LIMITS.map((k) => [k, g.limits[k]])),
  };
}
