// Browser shims for the in-editor test bundle (the extension host runs in a web worker):
// the `assert` polyfill reads `process`, which a worker does not have. Imported first by index.ts.
// @ts-expect-error the `process` npm package ships no type declarations
import processShim from 'process/browser';

const g = globalThis as unknown as { process?: unknown };
if (typeof g.process === 'undefined') g.process = processShim;
