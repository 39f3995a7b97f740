/**
 * Language-server latency on a large document: a generated 200-line .mlm linked to the 7185-row
 * mathach CSV, through the real server (dist/node/server.js --stdio). Each sample is one keystroke
 * (an incremental edit inside a formula) followed by the measured request, so the server must
 * re-analyse the changed document every time:
 *   - completion: keystroke, then textDocument/completion at the cursor (round trip)
 *   - hover:      keystroke, then textDocument/hover on a column (round trip)
 *   - diagnostics: keystroke -> textDocument/publishDiagnostics for that version
 * Keystrokes are spaced 60 ms apart (faster than most typing), so the light debounce of
 * validation (40 ms) never delays a sample. Target: p95 < 20 ms each.
 *
 * Run alone: node --import tsx bench/server.bench.ts   (or through bench/run.ts)
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchCase } from './run';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');

export interface ServerBenchRow {
  name: string;
  samples: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  targetMs: number;
  ok: boolean;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** 40 models x 5 lines = 200 lines, in the style of examples/mathach.mlm. */
export function generateDocument(): string {
  const fixed = ['ses', 'meanses', 'cses', 'sector', 'pracad', 'disclim', 'himinty', 'minority', 'sex', 'size'];
  const lines: string[] = [];
  for (let i = 0; i < 40; i++) {
    const a = fixed[i % fixed.length];
    const b = fixed[(i * 3 + 1) % fixed.length];
    const re = i % 3 === 0 ? '(1 | school)' : i % 3 === 1 ? '(ses | school)' : '(cses || school)';
    lines.push(`# model ${i}: ${a} and ${b}`);
    lines.push(`model m${i}:`);
    lines.push(`  formula: mathach ~ ${a} + ${b} + ${re}`);
    lines.push(`  method: ${i % 2 ? 'ML' : 'REML'}`);
    lines.push('');
  }
  lines[0] = 'data: mathach.csv';
  return lines.join('\n');
}

type Measure = 'diagnostics' | 'completion' | 'hover';

export async function run(options: { samples?: number; only?: Measure[] } = {}): Promise<ServerBenchRow[]> {
  const samples = options.samples ?? 100;
  const wanted = (m: Measure) => !options.only || options.only.includes(m);
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  const dir = mkdtempSync(join(tmpdir(), 'mlm-bench-'));
  copyFileSync(join(root, 'test', 'fixtures', 'reference', 'data', 'mathach.csv'), join(dir, 'mathach.csv'));
  let text = generateDocument();
  const file = join(dir, 'big.mlm');
  writeFileSync(file, text);
  const uri = pathToFileURL(file).href;
  const proc = spawn(process.execPath, [join(root, 'dist', 'node', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  const diagWaiters = new Map<number, (t: number) => void>();
  conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    if (p.uri !== uri || p.version === undefined) return;
    diagWaiters.get(p.version)?.(performance.now());
  });
  conn.onRequest('client/registerCapability', () => null);
  conn.listen();
  const rows: ServerBenchRow[] = [];
  try {
    await conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(dir).href,
      workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'bench' }],
      capabilities: {},
    });
    await conn.sendNotification('initialized', {});
    let version = 1;
    const firstDiag = new Promise<number>((r) => diagWaiters.set(1, r));
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'mlm', version, text } });
    await firstDiag;

    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const lines = () => text.split('\n');
    // A typist: at the end of one formula, types ' + COLUMN' character by character, deletes it
    // again, then the next column; moves to another model every 24 keystrokes. Every state of
    // the formula is new (partial names are unknown columns, complete ones full analyses).
    const columns = ['disclim', 'sector', 'pracad', 'minority', 'meanses', 'himinty', 'size', 'sex'];
    let script: string[] = [];
    let typed = '';
    let model = 0;
    let strokes = 0;
    let round = 0;
    const keystroke = async (): Promise<{ line: number; character: number; sentAt: number; version: number }> => {
      if (strokes > 0 && strokes % 24 === 0 && typed === '') model = (model + 7) % 40;
      strokes++;
      if (script.length === 0) {
        const word = ' + ' + columns[round++ % columns.length];
        script = [...word.split('').map((c) => '+' + c), ...word.split('').map(() => '-')];
      }
      const op = script.shift()!;
      const line = model * 5 + 2;
      const lineText = lines()[line];
      const character = lineText.length;
      const adding = op.startsWith('+');
      const change = adding
        ? { range: { start: { line, character }, end: { line, character } }, text: op.slice(1) }
        : { range: { start: { line, character: character - 1 }, end: { line, character } }, text: '' };
      const ls = lines();
      ls[line] = adding ? lineText + op.slice(1) : lineText.slice(0, -1);
      typed = adding ? typed + op.slice(1) : typed.slice(0, -1);
      text = ls.join('\n');
      version++;
      const sentAt = performance.now();
      await conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [change] });
      return { line, character: adding ? character + 1 : character - 1, sentAt, version };
    };

    const measure = async (name: string, one: (i: number) => Promise<number>) => {
      const times: number[] = [];
      for (let i = 0; i < samples + 5; i++) {
        const t = await one(i);
        if (i >= 5) times.push(t); // warm-up
        await sleep(60);
      }
      const p95 = quantile(times, 0.95);
      rows.push({ name, samples, p50Ms: quantile(times, 0.5), p95Ms: p95, maxMs: Math.max(...times), targetMs: 20, ok: p95 < 20 });
    };

    if (wanted('diagnostics')) await measure('server: diagnostics after a keystroke (200-line .mlm, mathach 7185 rows)', async (i) => {
      void i;
      const waiting = new Promise<number>((r) => diagWaiters.set(version + 1, r));
      const ks = await keystroke();
      const at = await waiting;
      diagWaiters.delete(ks.version);
      return at - ks.sentAt;
    });
    if (wanted('completion')) await measure('server: completion after a keystroke', async (i) => {
      void i;
      const ks = await keystroke();
      const t0 = performance.now();
      const items = (await conn.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line: ks.line, character: ks.character } })) as unknown[];
      if (!Array.isArray(items) || items.length === 0) throw new Error('no completion items');
      return performance.now() - t0;
    });
    if (wanted('hover')) await measure('server: hover after a keystroke', async (i) => {
      void i;
      const ks = await keystroke();
      const lineText = lines()[ks.line];
      const character = lineText.indexOf('~') + 4;
      const t0 = performance.now();
      const h = await conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: ks.line, character } });
      if (!h) throw new Error('no hover');
      return performance.now() - t0;
    });
  } finally {
    try {
      await Promise.race([conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 1000))]);
      await conn.sendNotification('exit');
    } catch {
      // ignore
    }
    conn.dispose();
    if (proc.exitCode === null) proc.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export default run;

export function formatRow(r: ServerBenchRow): string {
  return `${r.ok ? 'ok  ' : 'SLOW'} ${r.name}: p50 ${r.p50Ms.toFixed(1)} ms, p95 ${r.p95Ms.toFixed(1)} ms, max ${r.maxMs.toFixed(1)} ms (target p95 < ${r.targetMs} ms, ${r.samples} samples)`;
}

/**
 * For bench/run.ts: one case per measure. Each run starts the server, takes 100 samples and prints
 * the latency quantiles (run.ts's time column is the whole session, not a latency).
 */
export const cases: BenchCase[] = (['diagnostics', 'completion', 'hover'] as const).map((m) => ({
  name: `server ${m} p95`,
  repeats: 1,
  async run() {
    for (const r of await run({ only: [m] })) console.log(`  ${formatRow(r)}`);
  },
}));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  run().then(
    (rows) => {
      for (const r of rows) {
        console.log(formatRow(r));
      }
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
