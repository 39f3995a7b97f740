// In-editor test suite: mocha in the VS Code extension host (web worker in the browser, or node in
// desktop VS Code). Bundled by scripts/build.mjs to dist/test/web/suite.js and loaded by
// @vscode/test-web (test/web/web.test.ts) or @vscode/test-electron (scripts/test-desktop.mjs).
// esbuild has no glob import, so every suite file is imported here by name.
import './shims';

/** The part of mocha's browser build (global `mocha`) used here. */
declare const mocha: {
  setup(options: { ui: string; reporter: string; color: boolean; timeout: number }): void;
  run(done: (failures: number) => void): void;
};

export function run(): Promise<void> {
  // Loaded with require: mocha.js is a UMD file, and a top-level import lets esbuild inline it where its
  // `module.exports = factory()` replaces this bundle's exports (the host then calls mocha.run itself).
  require('mocha/mocha');
  // Desktop (node) extension host: mocha's browser build reads location.search for its grep options.
  const g = globalThis as unknown as { location?: { search: string } };
  if (typeof g.location === 'undefined') g.location = { search: '' };
  mocha.setup({ ui: 'tdd', reporter: 'spec', color: false, timeout: 60000 });
  // Suite files register their tests on import, after setup.
  require('./extension.suite');
  require('./language.suite');
  require('./fit.suite');
  require('./parquet.suite');
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures: number) => {
        if (failures > 0) reject(new Error(`${failures} in-editor test(s) failed`));
        else resolve();
      });
    } catch (err) {
      reject(err);
    }
  });
}
