/** A `.wat` import is the module compiled to its WebAssembly binary at build time (scripts/wat.mjs). */
declare module '*.wat' {
  const bytes: Uint8Array<ArrayBuffer>;
  export default bytes;
}
