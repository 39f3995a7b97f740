/**
 * The boundaries between the parts of the product (ARCHITECTURE.md, "Invariants"):
 * - server/ and client/ reach the engine only through its public entry engine/src/index.ts;
 * - the client never imports the server (nor the server the client); both share protocol/;
 * - engine/ (except engine/src/cli and engine/src/node) imports no node built-in, no vscode or language-server
 *   package, no native module (@duckdb/node-api), and nothing from client/, server/, protocol/, engine/src/cli
 *   or engine/src/node;
 * - engine/src/node (node-only adapters: the embedded DuckDB) is reached through its entry engine/src/node/index.ts,
 *   by engine/src/cli and server/src/node only.
 * `npm run typecheck` also compiles the engine alone without DOM or node types (engine/tsconfig.json).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const root = join(import.meta.dirname, '..', '..');

/** Every module specifier of a source text: static and dynamic imports, `export … from`, `require`. */
function specifiers(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

const NODE_BUILTINS = new Set(builtinModules);
const isNodeBuiltin = (spec: string) => spec.startsWith('node:') || NODE_BUILTINS.has(spec.split('/')[0]);
const HOST_PACKAGES = /^(vscode|vscode-languageserver|vscode-languageclient|vscode-jsonrpc)([/-]|$)/;
const NATIVE_PACKAGES = /^@duckdb\/node-(api|bindings)/;

/** The part of the tree a repository-relative path belongs to. */
function area(path: string): 'engine' | 'cli' | 'node' | 'server' | 'client' | 'protocol' | 'other' {
  const p = path.split(sep).join('/');
  if (p.startsWith('engine/src/cli/') || p === 'engine/src/cli') return 'cli';
  if (p.startsWith('engine/src/node/') || p === 'engine/src/node') return 'node';
  if (p.startsWith('engine/')) return 'engine';
  if (p.startsWith('server/')) return 'server';
  if (p.startsWith('client/')) return 'client';
  if (p.startsWith('protocol/')) return 'protocol';
  return 'other';
}

const ENGINE_ENTRY = new Set(['engine/src', 'engine/src/index', 'engine/src/index.ts']);
const NODE_ENTRY = new Set(['engine/src/node', 'engine/src/node/index', 'engine/src/node/index.ts']);

/** The boundary violations of one file (`file` relative to the repository root). */
function violations(file: string, text: string): string[] {
  const from = area(file);
  const out: string[] = [];
  for (const spec of specifiers(text)) {
    if (!spec.startsWith('.')) {
      if (from === 'engine' && (isNodeBuiltin(spec) || HOST_PACKAGES.test(spec) || NATIVE_PACKAGES.test(spec))) out.push(`${file}: engine imports '${spec}'`);
      if (from !== 'engine' && from !== 'node' && from !== 'other' && NATIVE_PACKAGES.test(spec)) out.push(`${file}: imports the native '${spec}' (only engine/src/node may)`);
      continue;
    }
    const target = relative(root, resolve(root, dirname(file), spec)).split(sep).join('/');
    const to = area(target);
    if ((from === 'server' || from === 'client' || from === 'protocol') && (to === 'engine' || to === 'cli') && !ENGINE_ENTRY.has(target))
      out.push(`${file}: deep import of engine internals '${spec}' (import from engine/src/index)`);
    if (to === 'node' && from !== 'node' && from !== 'engine') {
      const nodeHost = from === 'cli' || (from === 'server' && file.split(sep).join('/').startsWith('server/src/node/'));
      if (!nodeHost) out.push(`${file}: imports the node-only adapters '${spec}' (only engine/src/cli and server/src/node may)`);
      else if (!NODE_ENTRY.has(target)) out.push(`${file}: deep import of node adapters '${spec}' (import from engine/src/node/index)`);
    }
    if (from === 'node' && (to === 'cli' || to === 'server' || to === 'client' || to === 'protocol')) out.push(`${file}: node adapters import '${spec}' outside the engine`);
    if (from === 'client' && to === 'server') out.push(`${file}: client imports the server '${spec}' (shared types go in protocol/)`);
    if (from === 'server' && to === 'client') out.push(`${file}: server imports the client '${spec}'`);
    if (from === 'protocol' && (to === 'server' || to === 'client')) out.push(`${file}: protocol imports '${spec}'`);
    if (from === 'engine' && to !== 'engine') out.push(`${file}: engine imports '${spec}' outside the engine`);
  }
  return out;
}

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(join(root, dir))) {
    const p = join(dir, name);
    if (statSync(join(root, p)).isDirectory()) sources(p, out);
    else if (/\.(ts|mts|js|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

test('the tree keeps its boundaries (engine entry only, no client->server, pure engine)', () => {
  const files = ['engine/src', 'server/src', 'client/src', 'protocol'].flatMap((d) => sources(d));
  assert.ok(files.length > 100, `scanned ${files.length} files`);
  const found = files.flatMap((f) => violations(f, readFileSync(join(root, f), 'utf8')));
  assert.deepEqual(found, []);
});

test('the boundary check catches each kind of violation', () => {
  assert.deepEqual(violations('server/src/hover.ts', "import { fitModel } from '../../engine/src/fit';").length, 1);
  assert.deepEqual(violations('server/src/hover.ts', "import type { X } from '../../engine/src/lmm/pls';").length, 1);
  assert.deepEqual(violations('client/src/render/a.ts', "export { a } from '../../../engine/src/result';").length, 1);
  assert.deepEqual(violations('client/src/extension/a.ts', "import { b } from '../../../server/src/protocol';").length, 1);
  assert.deepEqual(violations('server/src/a.ts', "import { b } from '../../client/src/shared/escape';").length, 1);
  assert.deepEqual(violations('engine/src/data/a.ts', "import { readFileSync } from 'node:fs';").length, 1);
  assert.deepEqual(violations('engine/src/data/a.ts', "const p = require('path');").length, 1);
  assert.deepEqual(violations('engine/src/data/a.ts', "import * as vscode from 'vscode';").length, 1);
  assert.deepEqual(violations('engine/src/fit.ts', "import { x } from '../../server/src/hover';").length, 1);
  assert.deepEqual(violations('engine/src/fit.ts', "const m = await import('./cli/run');").length, 1);
  assert.deepEqual(violations('engine/src/fit.ts', "import { DuckDbRunner } from './node/index';").length, 1);
  assert.deepEqual(violations('engine/src/data/a.ts', "import { DuckDBInstance } from '@duckdb/node-api';").length, 1);
  assert.deepEqual(violations('server/src/web/server.ts', "import { loadSqlData } from '../../../engine/src/node/index';").length, 1);
  assert.deepEqual(violations('server/src/node/server.ts', "import { loadSqlData } from '../../../engine/src/node/table';").length, 1);
  assert.deepEqual(violations('server/src/main.ts', "import { DuckDBInstance } from '@duckdb/node-api';").length, 1);
  assert.deepEqual(violations('engine/src/node/table.ts', "import { runCli } from '../cli/run';").length, 1);
  // allowed
  assert.deepEqual(violations('engine/src/node/duckdb.ts', "import type { DuckDBInstance } from '@duckdb/node-api';"), []);
  assert.deepEqual(violations('engine/src/node/duckdb.ts', "import { mkdtempSync } from 'node:fs';"), []);
  assert.deepEqual(violations('engine/src/node/table.ts', "import { sortLevelsR } from '../data/rsort';"), []);
  assert.deepEqual(violations('engine/src/cli/session.ts', "import { loadSqlData } from '../node/index';"), []);
  assert.deepEqual(violations('server/src/node/server.ts', "import { loadSqlData } from '../../../engine/src/node/index';"), []);
  assert.deepEqual(violations('server/src/hover.ts', "import { fitModel } from '../../engine/src/index';"), []);
  assert.deepEqual(violations('client/src/a/b.ts', "import type { FitResponse } from '../../../protocol/index';"), []);
  assert.deepEqual(violations('engine/src/cli/run.ts', "import { readFileSync } from 'node:fs';"), []);
  assert.deepEqual(violations('engine/src/glmm/fit.ts', "import { dense } from '../linalg/dense';"), []);
});
