/**
 * Sorting millions of numbers in slices (a Steps generator, hooks.ts): runs of ROWS_PER_STEP values are sorted by the
 * typed array's own sort, then merged pairwise, yielding between slices, so a language server that sorts the residuals
 * of a large fit keeps answering. `runSteps(sortSteps(a))` is the same as `a.sort()` for values without NaN.
 */
import { ROWS_PER_STEP, type Steps } from '../hooks';

/** a first in the typed array's order (−0 before +0; ties keep their order). */
function before(a: number, b: number): boolean {
  return a < b || (a === b && (a !== 0 || 1 / a <= 1 / b));
}

/** Sorts `a` in place, ascending; the values must not be NaN. */
export function* sortSteps(a: Float64Array): Steps<void> {
  const n = a.length;
  const run = ROWS_PER_STEP;
  for (let s = 0; s < n; s += run) {
    a.subarray(s, Math.min(n, s + run)).sort();
    if (s + run < n) yield;
  }
  if (n <= run) return;
  let src: Float64Array = a;
  let dst: Float64Array = new Float64Array(n);
  for (let width = run; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(n, lo + width);
      const hi = Math.min(n, lo + 2 * width);
      let i = lo, j = mid, k = lo;
      while (k < hi) {
        // merge in slices of about ROWS_PER_STEP values
        const stop = Math.min(hi, k + run);
        while (k < stop) {
          if (j >= hi || (i < mid && before(src[i], src[j]))) dst[k++] = src[i++];
          else dst[k++] = src[j++];
        }
        yield;
      }
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== a) a.set(src);
}
