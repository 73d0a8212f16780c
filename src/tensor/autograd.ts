import { engine } from './engine.js';
import { fail, fmtShape } from './errors.js';
import { ones, zeros } from './creation.js';
import type { OpNode } from './registry.js';
import { sameShape } from './shape.js';
import { noGrad } from './scope.js';
import { Tensor } from './tensor.js';
import { add } from './ops/elementwise.js';

/** Nodes reachable from `root`, inputs before the ops that consume them. */
function topoOrder(root: Tensor): OpNode[] {
  const order: OpNode[] = [];
  const seen = new Set<OpNode>();
  const stack: [OpNode, boolean][] = root.creator ? [[root.creator, false]] : [];
  while (stack.length) {
    const [node, expanded] = stack.pop()!;
    if (expanded) {
      order.push(node);
      continue;
    }
    if (seen.has(node)) continue;
    seen.add(node);
    stack.push([node, true]);
    for (const t of node.inputs) if (t.creator && !seen.has(t.creator)) stack.push([t.creator, false]);
  }
  return order;
}

/**
 * Back-propagates from `root` and accumulates into `.grad` of every leaf with `requiresGrad`.
 * Intermediate gradients are freed as soon as they are used; leaf gradients outlive scopes.
 */
export function backward(root: Tensor, seed?: Tensor): void {
  root.storageFor('backward');
  if (!root.requiresGrad) fail('backward', `${root} does not require gradients (no input had requiresGrad set)`);
  if (!seed && root.size !== 1) fail('backward', `called on a non-scalar tensor of shape ${fmtShape(root.shape)} without a seed gradient; pass backward(dy) with dy of that shape`);
  if (seed && !sameShape(seed.shape, root.shape)) fail('backward', `seed gradient shape ${fmtShape(seed.shape)} differs from the tensor's ${fmtShape(root.shape)}`);
  noGrad(() => {
    // Every gradient made here is freed when the scope ends, except the leaves' `.grad`.
    const grads = new Map<Tensor, Tensor>();
    const accumulate = (t: Tensor, g: Tensor) => {
      const prev = grads.get(t);
      grads.set(t, prev ? add(prev, g) : g);
    };
    const kept = new Set<Tensor>();
    engine.beginScope();
    try {
      grads.set(root, seed ?? ones(root.shape));
      const leaves = new Set<Tensor>(root.creator ? [] : [root]);
      const order = topoOrder(root);
      for (let i = order.length - 1; i >= 0; i--) {
        const node = order[i]!;
        const dys = node.outputs.map((o) => grads.get(o) ?? null);
        if (dys.every((d) => d === null)) continue;
        const dy = dys[0] ?? zeros(node.outputs[0]!.shape);
        const inputGrads = node.op.grad!({ dys, dy, inputs: node.inputs, outputs: node.outputs, attrs: node.attrs });
        node.inputs.forEach((t, k) => {
          const g = inputGrads[k];
          if (!g || !t.requiresGrad) return;
          if (!sameShape(g.shape, t.shape)) throw new Error(`backward: the gradient rule of '${node.op.name}' returned shape ${fmtShape(g.shape)} for input ${k} of shape ${fmtShape(t.shape)}`);
          if (!t.creator) leaves.add(t);
          accumulate(t, g);
        });
      }
      for (const leaf of leaves) {
        // A view of its own: two leaves may have received the very same gradient tensor.
        const g = grads.get(leaf)!;
        const old = leaf.grad && !leaf.grad.isDisposed ? leaf.grad : null;
        leaf.grad = old ? add(old, g) : g.view(g.shape);
        old?.dispose();
        kept.add(leaf.grad);
      }
    } finally {
      engine.endScope(kept);
    }
    for (const t of kept) engine.keep(t);
  });
}

/**
 * A tensor sharing `x`'s storage (no copy) that is cut from the tape: gradients do not flow
 * through it (TF.js `stopGradient`, PyTorch `detach`). Dispose it like any other tensor.
 *
 * @example
 * const target = wg.detach(prediction); // a constant for the loss below
 */
export function detach(x: Tensor): Tensor {
  x.storageFor('detach');
  return x.view(x.shape);
}

declare module './tensor.js' {
  interface Tensor {
    /** Computes gradients of this (scalar) tensor w.r.t. every leaf that requires them. */
    backward(seed?: Tensor): void;
    /** The same values, cut from the tape (see `wg.detach`). */
    detach(): Tensor;
  }
}
Tensor.prototype.backward = function (this: Tensor, seed?: Tensor) {
  backward(this, seed);
};
Tensor.prototype.detach = function (this: Tensor) {
  return detach(this);
};
