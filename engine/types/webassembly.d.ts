/**
 * The part of the WebAssembly JS API the engine uses (linalg/wasmsyrk.ts). It is a language-level API present
 * in node and in browsers, but TypeScript declares it only in the DOM and node libraries, which the engine's
 * own tsconfig leaves out. Read by engine/tsconfig.json only (the root tsconfig has DOM).
 */
declare namespace WebAssembly {
  interface Memory {
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  interface Module {}
  type ExportValue = Function | Memory;
  type Exports = Record<string, ExportValue>;
  interface Instance {
    readonly exports: Exports;
  }
  var Module: { new (bytes: BufferSource): Module };
  var Instance: { new (module: Module, importObject?: Record<string, unknown>): Instance };
  function validate(bytes: BufferSource): boolean;
}
type BufferSource = ArrayBufferView | ArrayBuffer;
