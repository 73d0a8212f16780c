// The CPU backend's buffer reuse: a freed buffer comes back for the next allocation of the same
// size (fresh memory costs page faults), zeroed like a new one, and stats count live buffers only.
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../../src/kernels/cpu/backend.js';

describe('CpuBackend buffer reuse', () => {
  for (const threads of [1, 2]) {
    it(`reuses a freed buffer of the same size, zeroed (threads ${threads})`, () => {
      const cpu = new CpuBackend({ threads });
      const a = cpu.alloc(1000, 'float32');
      cpu.write(a, Float32Array.from({ length: 1000 }, (_, i) => i + 0.5));
      const memory = cpu.raw(a).buffer;
      cpu.free(a);
      expect(cpu.stats()).toMatchObject({ buffers: 0, bytes: 0 });
      const other = cpu.alloc(999, 'float32');
      expect(cpu.raw(other).buffer).not.toBe(memory);
      const b = cpu.alloc(1000, 'int32');
      expect(cpu.raw(b).buffer).toBe(memory);
      expect(cpu.raw(b).every((v) => v === 0)).toBe(true);
      expect(cpu.stats()).toMatchObject({ buffers: 2, bytes: 4 * 1999 });
      // A view owns nothing: freeing it returns nothing for reuse.
      const v = cpu.view(b, 0, 10);
      cpu.free(v);
      expect(cpu.raw(cpu.alloc(10, 'float32')).buffer).not.toBe(memory);
      cpu.dispose();
    });
  }
});
