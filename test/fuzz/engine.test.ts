/**
 * Seeded, time-bounded fuzzing of the engine: mutated example .mlm files and CSVs through parse -> frame -> fit
 * (engineDriver.ts, in a child process). Fails on an internal (non-MlmError) error, an error without a
 * location, a non-finite estimate reported as a result, or a hang (no progress for HANG_MS).
 * MLM_FUZZ_SEED and MLM_FUZZ_MS change the seed and the time budget.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const SEED = Number(process.env.MLM_FUZZ_SEED ?? 20261203);
const BUDGET_MS = Number(process.env.MLM_FUZZ_MS ?? 30000);
const HANG_MS = 15000;

interface Finding {
  kind: string;
  detail: string;
  mlm?: string;
  csv?: string;
}

test(`engine fuzz (seed ${SEED}, ${BUDGET_MS / 1000} s): no internal error, no hang, no unlocated error, no non-finite result`, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'engineDriver.ts'), String(SEED), String(BUDGET_MS)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const findings: Finding[] = [];
  let done: Record<string, number> | null = null;
  let lastCase = -1;
  let lastExample = '';
  let hang = false;
  let timer = setTimeout(() => undefined, 0);
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      hang = true;
      child.kill('SIGKILL');
    }, HANG_MS);
  };
  arm();
  for await (const line of createInterface({ input: child.stdout })) {
    arm();
    const o = JSON.parse(line) as { case?: number; example?: string; finding?: Finding; done?: Record<string, number> };
    if (o.case !== undefined) {
      lastCase = o.case;
      lastExample = o.example ?? '';
    }
    if (o.finding) findings.push(o.finding);
    if (o.done) done = o.done;
  }
  clearTimeout(timer);
  assert.ok(!hang, `no progress for ${HANG_MS / 1000} s in case ${lastCase} (${lastExample}): a hang`);
  assert.ok(done, `the driver stopped early: ${stderr.slice(0, 2000)}`);
  console.log(`engine fuzz: ${lastCase + 1} cases`, JSON.stringify(done));
  const shown = findings.slice(0, 5).map((f) => `${f.kind}: ${f.detail}\n--- .mlm ---\n${f.mlm ?? ''}`);
  assert.equal(findings.length, 0, `${findings.length} findings:\n${shown.join('\n\n')}`);
  assert.ok(lastCase + 1 >= 100, `only ${lastCase + 1} cases ran`);
  assert.ok(done.fits > 0 && done.frames > 0);
});
