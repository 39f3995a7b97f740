/**
 * Deep freezing of the FitResult as it leaves the engine (fit.ts): later stages (server, CLI, views) read it
 * and never change it; an attempt to assign throws a TypeError (modules run in strict mode).
 */

/** Freezes a plain-JSON value and every object and array in it; returns the value. */
export function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || Object.isFrozen(v) || ArrayBuffer.isView(v)) continue;
    Object.freeze(v);
    if (Array.isArray(v)) {
      for (const x of v) if (x !== null && typeof x === 'object') stack.push(x);
    } else {
      for (const k of Object.keys(v)) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== null && typeof x === 'object') stack.push(x);
      }
    }
  }
  return value;
}
