/** Parquet fixtures bundled into the in-editor suite as bytes (esbuild's binary loader, scripts/build.mjs). */
declare module '*.parquet' {
  const bytes: Uint8Array;
  export default bytes;
}
