/** WGSL sources in shaders/ are bundled as text (esbuild `text` loader, vitest `?raw`-like plugin). */
declare module '*.wgsl' {
  const source: string;
  export default source;
}
