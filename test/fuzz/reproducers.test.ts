/**
 * Issue 18's formula reproducers (items 1-2), each run in a child process with a time bound: a huge power,
 * deep nesting, long sums and unary chains must end quickly with a located MlmError (or a fit), never an
 * internal error or a hang.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const driver = join(import.meta.dirname, 'caseDriver.ts');
const LIMIT_MS = 10000;

function run(text: string): { outcome: string; code?: string; located?: boolean; message?: string; nonFinite?: string | null } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', driver, JSON.stringify(text)], {
    encoding: 'utf8',
    timeout: LIMIT_MS,
    maxBuffer: 1 << 24,
  });
  if (r.error || r.signal) return { outcome: 'hang', message: `no answer within ${LIMIT_MS / 1000} s` };
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    return { outcome: 'internal', message: (r.stderr || line).slice(0, 500) };
  }
}

function model(formula: string, extra = ''): string {
  return `data: sleepstudy.csv\nmodel m:\n  formula: ${formula}\n${extra}`;
}

const cases: Array<[string, string]> = [
  ['a power of 1e8', model('Reaction ~ Days^100000000 + (1 | Subject)')],
  ['a power of 1e308', model('Reaction ~ Days^1e308 + (1 | Subject)')],
  ['1,000 nested parentheses', model(`Reaction ~ ${'('.repeat(1000)}Days${')'.repeat(1000)} + (1 | Subject)`)],
  ['a 3,000-term sum', model(`Reaction ~ ${Array.from({ length: 3000 }, () => 'Days').join(' + ')} + (1 | Subject)`)],
  ['10,000 unary minus signs', model(`Reaction ~ ${'-'.repeat(10000)}Days + (1 | Subject)`)],
  ['a 5,000-term weights: expression', model('Reaction ~ Days + (1 | Subject)', `  weights: ${Array.from({ length: 5000 }, () => 'Days').join(' + ')} + 1\n`)],
];

for (const [name, text] of cases) {
  test(`${name}: a located error or a fit, quickly`, () => {
    const r = run(text);
    assert.ok(r.outcome === 'mlm-error' || r.outcome === 'fitted', `${r.outcome}: ${r.message}`);
    if (r.outcome === 'mlm-error') assert.ok(r.located, `unlocated: ${r.message}`);
    if (r.outcome === 'fitted') assert.equal(r.nonFinite, null);
  });
}
