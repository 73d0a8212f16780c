/**
 * `import source from './x.js?worker-source'` is module x bundled into one self-contained script
 * (esbuild at build time, the vitest plugin in tests): what a worker thread evaluates.
 */
declare module '*?worker-source' {
  const source: string;
  export default source;
}
