/**
 * CSV files read through duckdb-wasm (engine/src/sql/csvread.ts on the web server's runner, node build of the same
 * bindings) give the built-in reader's DataTable (engine/src/data/csv.ts readCsv): same names, kinds, numbers to the
 * bit, levels in R's order and codes, missing rows, logical columns and firstNonNumeric; files whose rows DuckDB could
 * read differently (blank lines, line breaks in quotes, parse errors) are declined to the built-in reader.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './lspClient';
import { DuckDbWasmRunner } from '../../server/src/web/duckdbRunner';
import { nodeDuckDb } from './duckdbWasmNode';
import { DuckDbRunner } from '../../engine/src/node/index';
import { applyDocument, buildModelFrame, csvLineCount, decodeText, MlmError, parseMlm, readCsv, readCsvSql, type DataTable, type CsvSqlResult } from '../../engine/src/index';

let runner: DuckDbWasmRunner;
before(async () => {
  runner = new DuckDbWasmRunner(await nodeDuckDb());
});
after(() => runner.close());

let serial = 0;
async function viaDuckDb(bytes: Uint8Array, label = 'data.csv', pick: (n: string[]) => string[] = (n) => n): Promise<CsvSqlResult> {
  const name = `t${++serial}.csv`;
  runner.registerFile(name, bytes);
  try {
    return await readCsvSql(runner, { file: name, head: decodeText(bytes.subarray(0, 1 << 16)), lines: csvLineCount(bytes) }, label, pick);
  } finally {
    runner.dropFile(name);
  }
}

const enc = (s: string) => new TextEncoder().encode(s);

/** Every column field by field (raw strings aside: a table read through SQL keeps none). */
function csvFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.csv')) files.push(join(dir, e.name));
    }
  };
  walk(join(root, 'test/fixtures'));
  walk(join(root, 'examples'));
  return files;
}

function assertSameTable(got: DataTable, want: DataTable, what: string): void {
  assert.deepEqual(got.names, want.names, `${what}: names`);
  assert.equal(got.nrow, want.nrow, `${what}: rows`);
  assert.equal(got.lines, want.lines, `${what}: lines`);
  for (const name of want.names) {
    const g = got.columns.get(name)!;
    const w = want.columns.get(name)!;
    assert.equal(g.kind, w.kind, `${what}: kind of ${name}`);
    if (g.kind === 'numeric' && w.kind === 'numeric') {
      assert.equal(g.values.length, w.values.length);
      for (let i = 0; i < w.values.length; i++) {
        if (!Object.is(g.values[i], w.values[i])) assert.fail(`${what}: ${name}[${i}] ${g.values[i]} vs ${w.values[i]} ('${w.raw[i]}')`);
      }
    } else if (g.kind === 'text' && w.kind === 'text') {
      assert.deepEqual(g.levels, w.levels, `${what}: levels of ${name}`);
      assert.deepEqual([...g.codes], [...w.codes], `${what}: codes of ${name}`);
      assert.deepEqual(g.firstNonNumeric, w.firstNonNumeric, `${what}: firstNonNumeric of ${name}`);
    }
  }
}

async function same(text: string, what = JSON.stringify(text).slice(0, 60)): Promise<DataTable> {
  const want = readCsv(text, 'data.csv');
  const r = await viaDuckDb(enc(text));
  assert.ok('table' in r, `${what}: declined: ${'declined' in r ? r.declined : ''}`);
  assertSameTable(r.table, want, what);
  return r.table;
}

test('every CSV of test/fixtures and examples/ reads as the built-in reader reads it', async () => {
  const files = csvFiles();
  assert.ok(files.length >= 20, `${files.length} files`);
  let read = 0;
  for (const f of files) {
    const bytes = new Uint8Array(readFileSync(f));
    const want = readCsv(decodeText(bytes), 'data.csv');
    const r = await viaDuckDb(bytes);
    if ('declined' in r) {
      // only where rows are not lines (the built-in reader then has a line for each row)
      assert.ok(want.lines, `${f} declined: ${r.declined}`);
      continue;
    }
    assertSameTable(r.table, want, f);
    read++;
  }
  assert.ok(read >= files.length - 2, `${read} of ${files.length} read through DuckDB`);
});

test('missing values: empty, NA, NaN, with blanks around, in numeric, text and logical columns', async () => {
  const t = await same('x,g,b,s\n1,a,TRUE,u\nNA,NA,NA,NA\n NaN ,NaN, ,\n,, NA ,v\n2.5, NA ,F,"NA"\n"",b,"",""\n');
  const x = t.columns.get('x')!;
  assert.ok(x.kind === 'numeric' && x.values[0] === 1 && Number.isNaN(x.values[1]) && x.values[4] === 2.5);
  const g = t.columns.get('g')!;
  assert.ok(g.kind === 'text' && g.levels.join() === 'a,b' && g.codes[4] === -1);
});

test('numbers as R reads them: blanks around, Inf, hex, signs, exponents, -0, overflow, correctly rounded', async () => {
  const t = await same('x,y\n 1 ,Inf\n+2,-Inf\n0x1A,-0x10\n.5,5.\n1e3,-1.5E-3\n-0,1e400\n1e-400,0.1\n9007199254740993,2.2250738585072011e-308\n0.30000000000000004,123456789012345678901234567890\n-0x0,\u00a01.5\n');
  const x = t.columns.get('x')!;
  const y = t.columns.get('y')!;
  assert.ok(x.kind === 'numeric' && y.kind === 'numeric');
  assert.deepEqual([...x.values.slice(0, 5)], [1, 2, 26, 0.5, 1000]);
  assert.ok(Object.is(x.values[5], -0));
  assert.deepEqual([...y.values.slice(0, 3)], [Infinity, -Infinity, -16]);
  assert.equal(y.values[5], Infinity);
  // what DuckDB reads as a number but R does not: inf, nan, Infinity make a column text (with its first text line)
  for (const word of ['inf', '-inf', 'nan', 'Infinity', 'INF', '1_000', '1,5', '1d5']) {
    const w = await same(`v,i\n1,0\n2,0\n3,0\n"${word}",0\n`, word);
    const v = w.columns.get('v')!;
    assert.ok(v.kind === 'text' && v.firstNonNumeric?.row === 5, `${word}: ${v.kind}`);
  }
  // many random decimals: DuckDB's conversion equals JavaScript's to the bit
  let s = 'a,b\n';
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < 3000; i++) s += `${(rnd() * 10 ** Math.floor(rnd() * 40 - 20)).toPrecision(1 + Math.floor(rnd() * 19))},${(rnd() - 0.5).toFixed(Math.floor(rnd() * 25))}\n`;
  await same(s, 'random decimals');
});

test("a ';' file with decimal commas, a tab-delimited file, a BOM, CRLF line ends", async () => {
  const semi = await same('y;x;g\n1,5;2;a\n-0,25;3,;b\n,5;1.5;c\n1,5,3;4;d\n');
  const y = semi.columns.get('y')!;
  assert.ok(y.kind === 'text', 'a field of two commas makes the column text');
  const semi2 = await same('y;x\n1,5;2\n-0,25;3,\n,5;1.5\n');
  const y2 = semi2.columns.get('y')!;
  assert.ok(y2.kind === 'numeric' && y2.values[0] === 1.5 && y2.values[1] === -0.25 && y2.values[2] === 0.5);
  await same('a\tb\tc\n1\tx y\t2,5\n3\tz\t4\n');
  const bom = await same('\uFEFFid,v\n1,2\n3,4\n');
  assert.deepEqual(bom.names, ['id', 'v']);
  await same('a,b\r\n1,x\r\n2,y\r\n');
  await same('a,b\r\n1,x\r\n2,y\r\n\r\n\r\n');
});

test('logical columns: TRUE/FALSE/T/F/true/false/True/False (the factor FALSE < TRUE); with numbers they are text', async () => {
  const t = await same('a,b,c,d,e\nTRUE,T,true,TRUE,1\nFALSE,F,false,TRUE,T\nNA,T, True ,,F\n');
  for (const [n, levels] of [['a', 'FALSE,TRUE'], ['b', 'FALSE,TRUE'], ['c', 'FALSE,TRUE'], ['d', 'TRUE']] as const) {
    const c = t.columns.get(n)!;
    assert.ok(c.kind === 'text' && c.levels.join() === levels, `${n}: ${c.kind === 'text' ? c.levels : c.kind}`);
  }
  const e = t.columns.get('e')!;
  assert.ok(e.kind === 'text' && e.levels.join() === '1,F,T');
});

test('a mostly numeric column with some text: a text column with the first text field and its line', async () => {
  let s = 'y,g\n';
  for (let i = 0; i < 50; i++) s += `${i === 17 ? 'abc' : i === 30 ? 'n/a' : String(i * 1.5)},${i % 3}\n`;
  const t = await same(s);
  const y = t.columns.get('y')!;
  assert.ok(y.kind === 'text');
  assert.deepEqual(y.firstNonNumeric, { row: 19, text: 'abc', numericCount: 48 });
});

test('quoted fields with delimiters and quotes; duplicate and invalid header names; the columns a document picks', async () => {
  await same('"a,b","c""d",e\n"x,y","say ""hi""",1\n"",z,2\n');
  const t = await same('a,a,1x,my var,if,a.1, \n1,2,3,4,5,6,7\n');
  assert.deepEqual(t.names, ['a', 'a.2', 'X1x', 'my.var', 'if.', 'a.1', 'X']);
  const r = await viaDuckDb(enc('y,x,g\n1,2,a\n3,4,b\n'), 'data.csv', (n) => n.filter((c) => c !== 'x'));
  assert.ok('table' in r);
  assert.deepEqual(r.table.names, ['y', 'g']);
  const none = await viaDuckDb(enc('y,x,g\n1,2,a\n3,4,b\n'), 'data.csv', () => []);
  assert.ok('table' in none && none.table.nrow === 2);
});

test('errors: a header only is csv-empty at line 2; a wrong field count, an open quote, blank lines and quoted line breaks are left to the built-in reader', async () => {
  await assert.rejects(viaDuckDb(enc('a,b\n')), (e: unknown) => e instanceof MlmError && e.diagnostic.code === 'csv-empty' && e.diagnostic.csv?.row === 2);
  await assert.rejects(viaDuckDb(enc('a,b\n\n\n')), (e: unknown) => e instanceof MlmError && e.diagnostic.code === 'csv-empty');
  for (const text of ['a,b\n1,2\n3\n5,6\n', 'a,b\n1,2\n3,4,5\n', 'a,b\n1,2\n"3,4\n5,6\n', 'a,b\n1,2\n\n3,4\n', 'a,b\n1,"x\ny"\n3,4\n', '\n\na,b\n1,2\n', '', 'a\n1\n2\n']) {
    const r = await viaDuckDb(enc(text));
    assert.ok('declined' in r, `${JSON.stringify(text)} read`);
  }
  // the runner answers after a parse error
  const ok = await viaDuckDb(enc('a,b\n1,2\n'));
  assert.ok('table' in ok);
});

test('random fields of digits, signs, points, commas, exponents, hex, blanks and letters: the same table (, and ; files)', async () => {
  let seed = 99;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const alphabet = '0123456789012345678901234567890123456789..eE+-,xXaAfFnNiItT _\t';
  const field = () => {
    let s = '';
    const n = 1 + Math.floor(rnd() * 7);
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    return s;
  };
  for (const delimiter of [',', ';']) {
    // one column per field shape: each column mostly numbers with its own rare fields, so that columns stay numeric
    for (let round = 0; round < 10; round++) {
      let s = `a${delimiter}b${delimiter}c\n`;
      for (let i = 0; i < 400; i++) {
        const f = [field(), field(), (rnd() * 100).toFixed(3)];
        s += f.map((x) => (x.includes(delimiter) ? `"${x}"` : x)).join(delimiter) + '\n';
      }
      await same(s, `random fields, '${delimiter}' round ${round}`);
      // random fields one per column, above plain numbers: each classified (number, missing, text) as the built-in reader does
      const q = (x: string) => (x.includes(delimiter) ? `"${x}"` : x);
      const wide = Array.from({ length: 60 }, field);
      await same(`${wide.map((_, i) => `c${i}`).join(delimiter)}\n${wide.map(q).join(delimiter)}\n${wide.map(() => '1').join(delimiter)}\n${wide.map(() => q('2.5')).join(delimiter)}\n`, `wide '${delimiter}' round ${round}`);
    }
  }
});

test('a read that needs a long statement is declined before DuckDB sees it (duckdb-wasm traps on very long ones); the runner still answers', async () => {
  const text = `a,b\n${Array.from({ length: 900 }, (_, i) => `0x${i.toString(16)},1`).join('\n')}\n`;
  const r = await viaDuckDb(enc(text));
  assert.ok('declined' in r && /statement of \d+ characters/.test(r.declined), JSON.stringify(r).slice(0, 200));
  const many = await viaDuckDb(enc(`${Array.from({ length: 400 }, (_, i) => `c${i}`).join(',')}\n${Array.from({ length: 400 }, () => '1').join(',')}\n`));
  assert.ok('declined' in many);
  assert.equal(Number((await runner.query('SELECT 42')).rows[0][0]), 42);
});

test('the model frame treats a mostly numeric column read through DuckDB as it treats the built-in reader\'s: the same located message, or a factor', async () => {
  const outcome = (table: DataTable, formula: string) => {
    const text = `data: data.csv\nmodel m:\n  formula: ${formula}\n`;
    const doc = parseMlm(text);
    try {
      buildModelFrame(doc, doc.models[0], applyDocument(doc, table));
      return 'built';
    } catch (e) {
      return e instanceof MlmError ? `${e.diagnostic.code}: ${e.message}` : String(e);
    }
  };
  // y: numbers; a: 95% numbers and one 'abc' (a typo: the located message); b: 60% numbers (a factor)
  let s = 'y,a,b,g\n';
  for (let i = 0; i < 40; i++) s += `${i * 0.5 + (i % 3)},${i === 7 || i === 30 ? 'abc' : i},${i % 5 < 3 ? i : 'x' + (i % 2)},${i % 4}\n`;
  const want = readCsv(s, 'data.csv');
  const r = await viaDuckDb(enc(s));
  assert.ok('table' in r);
  for (const formula of ['y ~ a + (1 | g)', 'y ~ b + (1 | g)']) {
    const w = outcome(want, formula);
    assert.equal(outcome(r.table, formula), w, formula);
    if (formula.includes(' a ')) assert.match(w, /csv-not-a-number: data\.csv line 9, column 'a': 'abc' is not a number/);
    else assert.equal(w, 'built');
  }
});

test('the embedded DuckDB of the desktop and the CLI (DuckDB 1.x, node-api) reads the same tables through csvread.ts', async () => {
  const native = await DuckDbRunner.open();
  const dir = mkdtempSync(join(tmpdir(), 'mlm-csvread-'));
  try {
    let k = 0;
    const check = async (bytes: Uint8Array, what: string) => {
      const file = join(dir, `f${++k}.csv`);
      writeFileSync(file, bytes);
      const want = readCsv(decodeText(bytes), 'data.csv');
      const r = await readCsvSql(native, { file, head: decodeText(bytes.subarray(0, 1 << 16)), lines: csvLineCount(bytes) }, 'data.csv', (n) => n);
      if ('declined' in r) assert.ok(want.lines, `${what} declined: ${r.declined}`);
      else assertSameTable(r.table, want, what);
    };
    for (const f of csvFiles()) await check(new Uint8Array(readFileSync(f)), f);
    // DuckDB 1.x reads 1_000 as a number (0.9 does not): R does not, nor does csvread.ts
    for (const word of ['1_000', '1__0', '_1', 'inf', 'nan', 'Infinity', '0x1A', '-0x0', ' 1 ', '1e400', '\u00a01.5', ' NA ', 'T']) {
      await check(enc(`v,i\n1,0\n2,0\n"${word}",0\n`), word);
    }
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const alphabet = '0123456789012345678901234567890123456789..eE+-,xXaAfFnNiItT _\t';
    for (const delimiter of [',', ';']) {
      for (let round = 0; round < 10; round++) {
        const wide = Array.from({ length: 60 }, () => Array.from({ length: 1 + Math.floor(rnd() * 7) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join(''));
        const q = (x: string) => (x.includes(delimiter) ? `"${x}"` : x);
        await check(enc(`${wide.map((_, i) => `c${i}`).join(delimiter)}\n${wide.map(q).join(delimiter)}\n${wide.map(() => '1').join(delimiter)}\n`), `native wide '${delimiter}' ${round}`);
      }
    }
  } finally {
    await native.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('non-ASCII text reads the same (levels in R order); bytes that are not UTF-8 (a Latin-1 file) are left to the built-in reader', async () => {
  await same('y,g\n1,café\n2,日本\n3,"a""b"\n4,Zoë\n5,zoe\n');
  const latin1 = new Uint8Array([...enc('y,g\n1,caf'), 0xe9, ...enc('\n2,b\n')]);
  const r = await viaDuckDb(latin1);
  assert.ok('declined' in r);
});
