// `import bytes from './x.wat'`: the WebAssembly text module compiled at build time (wabt, SIMD
// enabled; src/kernels/cpu/wasm/wat.d.ts), as a module whose default export is its binary.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const wabt = await createRequire(import.meta.url)('wabt')();

/** JS source of a module exporting the compiled bytes of the .wat file at `file` (base64 inside). */
export function watModule(file) {
  const parsed = wabt.parseWat(file, readFileSync(file, 'utf8'), { simd: true });
  try {
    parsed.validate();
    const { buffer } = parsed.toBinary({ write_debug_names: true }); // names show in profiles
    const base64 = Buffer.from(buffer).toString('base64');
    return `export default Uint8Array.from(atob(${JSON.stringify(base64)}), (c) => c.charCodeAt(0));`;
  } finally {
    parsed.destroy();
  }
}

/** The esbuild plugin. */
export const watPlugin = {
  name: 'wat',
  setup(b) {
    b.onLoad({ filter: /\.wat$/ }, (a) => ({ contents: watModule(a.path), loader: 'js' }));
  },
};
