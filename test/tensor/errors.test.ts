// Bad input gets an error that names the op and the offending values (issue 2's acceptance list).
import { describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { CpuBackend, WebgradError, type Tensor } from '../../src/index.js';
import { cpuForFile } from '../helpers/backends.js';

/** The WebgradError `fn` throws; fails the test when it throws nothing or something else. */
function errorOf(fn: () => unknown): WebgradError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected an error').toBeInstanceOf(WebgradError);
  return caught as WebgradError;
}

/** The error names `op` (as its `op` field and at the start of the message) and mentions every value. */
function expectError(fn: () => unknown, op: string, ...mentions: (string | RegExp)[]): WebgradError {
  const e = errorOf(fn);
  expect(e.op).toBe(op);
  expect(e.message.startsWith(`${op}: `), e.message).toBe(true);
  for (const m of mentions) {
    if (typeof m === 'string') expect(e.message).toContain(m);
    else expect(e.message).toMatch(m);
  }
  return e;
}

cpuForFile();

describe('bad input: errors name the op and the values', () => {
  it('matmul with mismatched inner dimensions names both shapes and both sizes', () => {
    wg.tidy(() => {
      const a = wg.zeros([2, 3]);
      const b = wg.zeros([4, 5]);
      expectError(() => wg.matMul(a, b), 'matmul', '[2, 3]', '[4, 5]', '3 columns', '4 rows');
      // Transposes are taken into account: aᵀ is 3×2, so [2, 5] fits and [3, 5] does not.
      expect(wg.matMul(a, wg.zeros([2, 5]), true).shape).toEqual([3, 5]);
      expectError(() => wg.matMul(a, wg.zeros([3, 5]), true), 'matmul', '[2, 3]', '2 columns', '3 rows');
      expectError(() => a.matMul(wg.zeros([5, 4]), false, true), 'matmul', '[5, 4]', '4 rows');
      // Batched: different batch sizes.
      expectError(() => wg.matMul(wg.zeros([2, 3, 4]), wg.zeros([5, 4, 6])), 'matmul', '2', '5');
      expectError(() => wg.matMul(wg.zeros([3]), a), 'matmul', '[3]');
    });
  });

  it('shapes that do not broadcast: both shapes and the clashing sizes', () => {
    wg.tidy(() => {
      expectError(() => wg.add(wg.zeros([2, 3]), wg.zeros([4])), 'add', '[2, 3]', '[4]', /3 vs 4/);
      expectError(() => wg.zeros([5, 1, 7]).mul(wg.zeros([3, 6])), 'mul', '[5, 1, 7]', '[3, 6]', /7 vs 6/);
      expectError(() => wg.where(wg.zeros([2]), wg.zeros([3]), wg.zeros([2])), 'where', '[2]', '[3]');
      expectError(() => wg.broadcastTo(wg.zeros([3, 2]), [3, 4]), 'broadcastTo', '[3, 2]', '[3, 4]');
      // Broadcasting that is valid must not throw.
      expect(wg.add(wg.zeros([5, 1, 7]), wg.zeros([3, 1])).shape).toEqual([5, 3, 7]);
    });
  });

  it('int32 where float32 is required names the input and both dtypes', () => {
    wg.tidy(() => {
      const ids = wg.tensor([1, 2, 3], undefined, 'int32');
      for (const [op, f] of [
        ['exp', () => wg.exp(ids)],
        ['sigmoid', () => ids.sigmoid()],
        ['log', () => wg.log(ids)],
        ['div', () => wg.div(ids, ids)],
      ] as const) {
        expectError(f, op, 'int32', 'float32');
      }
      expectError(() => wg.matMul(wg.tensor([[1, 2]], undefined, 'int32'), wg.zeros([2, 2])), 'matmul', /\ba\b.*int32/, 'float32');
      expectError(() => wg.matMul(wg.zeros([2, 2]), wg.tensor([[1], [2]], undefined, 'int32')), 'matmul', /\bb\b.*int32/, 'float32');
      expectError(() => wg.gather(wg.tensor([[1, 2]], undefined, 'int32'), wg.tensor([0], undefined, 'int32')), 'gather', 'int32', '[1, 2]');
      // Mixed dtypes in one elementwise op.
      expectError(() => wg.add(wg.zeros([3]), ids), 'add', 'float32', 'int32');
      // …and float indices where int32 is required.
      expectError(() => wg.gather(wg.zeros([4, 2]), wg.tensor([0, 1])), 'gather', 'float32', 'int32');
      // Non-integers in an int32 tensor name the value and where it is.
      expectError(() => wg.tensor([1, 2.5], undefined, 'int32'), 'tensor', '2.5', 'index 1');
    });
  });

  it('use of a disposed tensor names the op, the tensor id and its shape', () => {
    const t = wg.tensor([[1, 2, 3]]);
    t.name = 'weights';
    const other = wg.ones([1, 3]);
    t.dispose();
    t.dispose(); // disposing twice is allowed
    expect(t.isDisposed).toBe(true);
    const id = `#${t.id}`;
    expectError(() => wg.add(other, t), 'add', id, "'weights'", '[1, 3]', 'disposed');
    expectError(() => t.relu(), 'relu', id, 'disposed');
    expectError(() => t.reshape([3]), 'reshape', id, 'disposed');
    expectError(() => t.dataSync(), 'dataSync', id, 'disposed');
    expectError(() => wg.detach(t), 'detach', id, 'disposed');
    expectError(() => wg.matMul(other, t, false, true), 'matmul', id);
    other.dispose();
  });

  it('reading a disposed tensor asynchronously rejects with the same kind of error', async () => {
    const t = wg.tensor([1, 2]);
    t.dispose();
    await expect(t.data()).rejects.toThrow(new RegExp(`^data: tensor #${t.id} of shape \\[2\\] was already disposed`));
    await expect(t.array()).rejects.toBeInstanceOf(WebgradError);
  });

  it('a disposed leaf whose gradient is needed fails in backward, naming the tensor', () => {
    const w = wg.variable(wg.tensor([1, 2]), 'w');
    const loss = w.mul(w).sum();
    w.dispose();
    expectError(() => loss.backward(), 'mul', `#${w.id}`, 'disposed');
    loss.dispose();
  });

  it('backward() on a non-scalar without a seed names the shape; with a seed of the wrong shape names both', () => {
    wg.tidy(() => {
      const x = wg.variable(wg.tensor([[1, 2], [3, 4]]));
      const y = x.mul(3);
      expectError(() => y.backward(), 'backward', '[2, 2]', 'seed');
      expectError(() => y.backward(wg.ones([4])), 'backward', '[4]', '[2, 2]');
      // With a seed of the right shape it works: d(sum(seed * 3x))/dx = 3 * seed.
      y.backward(wg.tensor([[1, 0], [0, 2]]));
      expect(Array.from(x.grad!.dataSync())).toEqual([3, 0, 0, 6]);
      // A one-element tensor of any rank counts as a scalar.
      x.grad = null;
      x.sum([0, 1], true).backward();
      expect(Array.from(x.grad!.dataSync())).toEqual([1, 1, 1, 1]);
      // A tensor that does not depend on any variable has nothing to differentiate.
      expectError(() => wg.ones([1]).sum().backward(), 'backward', 'requires');
    });
  });

  it('a gather index out of range names the index, its position and the table size', () => {
    wg.tidy(() => {
      const table = wg.zeros([5, 3]);
      const e = expectError(() => wg.gather(table, wg.tensor([[0, 1, 4], [2, 7, 3]], undefined, 'int32')), 'gather', 'index 7', 'position 4', '[1, 1]', '[0, 5)');
      expect(e.message).not.toContain('index 4 ');
      expectError(() => table.gather(wg.tensor([-1], undefined, 'int32')), 'gather', 'index -1', 'position 0', '[0, 5)');
      expectError(() => wg.gather(table, wg.tensor([5], undefined, 'int32')), 'gather', 'index 5');
      // The largest valid index is fine.
      expect(wg.gather(table, wg.tensor([4, 0], undefined, 'int32')).shape).toEqual([2, 3]);
    });
  });

  it('ragged nested arrays name the depth and the lengths', () => {
    expectError(() => wg.tensor([[1, 2], [3]]), 'tensor', 'ragged', 'depth 1', 'length 2', 'got 1');
    expectError(() => wg.tensor([[1, 2, 3], [4, 5, 6], [7, 8]]), 'tensor', 'ragged', 'got 2');
    expectError(() => wg.tensor([[[1], [2]], [[3], [4, 5]]]), 'tensor', 'ragged', 'depth 2');
    expectError(() => wg.tensor([[1, 2], 3] as never), 'tensor', 'depth 1');
    expectError(() => wg.tensor([1, [2, 3]] as never), 'tensor', 'depth 1');
    expectError(() => wg.tensor([1, 'x'] as never), 'tensor', 'string');
    // Values that do not fill an explicit shape.
    expectError(() => wg.tensor([1, 2, 3], [2, 2]), 'tensor', '3 values', '[2, 2]');
    expectError(() => wg.zeros([2, -1]), 'zeros', '-1');
  });

  it('reshape to a different number of elements names both shapes and sizes', () => {
    wg.tidy(() => {
      const x = wg.zeros([2, 3]);
      expectError(() => x.reshape([4, 2]), 'reshape', '[2, 3]', '[4, 2]', '6', '8');
      expectError(() => wg.reshape(x, [4, -1]), 'reshape', '[4, -1]', '6');
      expectError(() => wg.reshape(x, [0, -1]), 'reshape', '-1');
      expect(wg.reshape(x, [3, -1]).shape).toEqual([3, 2]);
    });
  });

  it('other shape errors: transpose, slice, concat, axes, clip', () => {
    wg.tidy(() => {
      const x = wg.zeros([2, 3]);
      expectError(() => x.transpose([0, 0]), 'transpose', '[0, 0]', '[2, 3]');
      expectError(() => x.slice([1, 2], [2, 1]), 'slice', 'dimension 0', '[2, 3]');
      expectError(() => wg.concat([x, wg.zeros([3, 3])], 1), 'concat', '[3, 3]', '[2, 3]');
      expectError(() => x.sum(2), 'sum', 'axis 2', 'rank 2');
      expectError(() => x.clipByValue(1, 0), 'clipByValue', 'min 1', 'max 0');
    });
  });

  it('inputs on different backends are rejected by name', () => {
    const other = new CpuBackend();
    const a = wg.zeros([2]);
    const b = wg.withBackend(other, () => wg.zeros([2]));
    expectError(() => wg.add(a, b), 'add', 'different backends');
    a.dispose();
    b.dispose();
    other.dispose();
  });
});

describe('errors leave the engine consistent', () => {
  it('a failed op inside tidy allocates nothing and frees what the scope made', () => {
    const before = wg.stats();
    expect(() =>
      wg.tidy(() => {
        const a = wg.zeros([2, 3]);
        a.matMul(a);
      }),
    ).toThrow(WebgradError);
    const after = wg.stats();
    expect(after.tensors).toBe(before.tensors);
    expect(after.buffers).toBe(before.buffers);
    expect(after.bytes).toBe(before.bytes);
  });

  it('an error inside noGrad restores gradient recording', () => {
    expect(() => wg.noGrad(() => wg.zeros([2]).add(wg.zeros([3])))).toThrow(WebgradError);
    const x: Tensor = wg.variable(wg.ones([2]));
    const y = x.mul(2);
    expect(y.requiresGrad).toBe(true);
    y.dispose();
    x.dispose();
  });
});
