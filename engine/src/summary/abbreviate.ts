/**
 * R's abbreviate(names, minlength) as lme4 uses it for the "Correlation of Fixed Effects" labels:
 * drop lower-case vowels from the end, then lower-case letters, then anything but first letters of
 * words, until the name is short enough; repeat with a longer minlength while names collide.
 * The character-level rules follow R's C routine, which works on a NUL-terminated buffer.
 */

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
const isLower = (c: string) => c >= 'a' && c <= 'z';
const isVowel = (c: string) => c === 'a' || c === 'e' || c === 'i' || c === 'o' || c === 'u';

/** One name, one minlength (R's internal stripchars, use.classes = TRUE). */
function stripChars(input: string, minlen: number, useClasses: boolean): string {
  // a NUL-terminated buffer with room for the stale characters C leaves behind
  const b: string[] = [...input.replace(/^\s+/, ''), '\0', '\0'];
  const strlen = () => b.indexOf('\0');
  const at = (i: number) => (i >= 0 && i < b.length ? b[i] : '\0');
  const shiftLeft = (i: number) => {
    // C's strcpy(&b[i], &b[i + 1]): copies up to and including the terminator
    let k = i;
    while (true) {
      b[k] = at(k + 1);
      if (b[k] === '\0') break;
      k++;
    }
  };
  const firstChar = (i: number) => isSpace(at(i - 1));
  const lastChar = (i: number) => !isSpace(at(i - 1)) && (at(i + 1) === '\0' || isSpace(at(i + 1)));

  let upper = strlen() - 1;
  let nspace = 0;
  const done = () => strlen() - nspace <= minlen;

  if (strlen() < minlen) return finish();

  for (let i = upper, j = 1; i > 0; i--) {
    if (isSpace(b[i])) {
      if (j) b[i] = '\0';
      else nspace++;
    } else j = 0;
    if (done()) return finish();
  }

  if (useClasses) {
    for (let i = upper; i > 0; i--) {
      if (isVowel(at(i)) && lastChar(i)) shiftLeft(i);
      if (done()) return finish();
    }
    for (let i = upper; i > 0; i--) {
      if (isVowel(at(i)) && !firstChar(i)) shiftLeft(i);
      if (done()) return finish();
    }
    for (let i = upper; i > 0; i--) {
      if (isLower(at(i)) && lastChar(i)) shiftLeft(i);
      if (done()) return finish();
    }
    for (let i = upper; i > 0; i--) {
      if (isLower(at(i)) && !firstChar(i)) shiftLeft(i);
      if (done()) return finish();
    }
  }

  upper = strlen() - 1;
  for (let i = upper; i > 0; i--) {
    if (!firstChar(i) && !isSpace(at(i))) shiftLeft(i);
    if (done()) return finish();
  }
  return finish();

  function finish(): string {
    const len = strlen();
    if (len > minlen) {
      for (let i = len - 1; i > 0; i--) if (isSpace(at(i))) shiftLeft(i);
    }
    return b.slice(0, strlen()).join('');
  }
}

/** R's abbreviate(names.arg, minlength, strict = FALSE, method = "left.kept"), unnamed. */
export function abbreviate(names: string[], minlength = 4): string[] {
  if (minlength <= 0) return names.map(() => '');
  const trimmed = names.map((s) => s.replace(/^ +/, '').replace(/ +$/, ''));
  const unique: string[] = [];
  for (const s of trimmed) if (!unique.includes(s)) unique.push(s);
  const x = unique.slice();
  let dup2 = unique.map(() => true);
  let minlen = minlength;
  for (let guard = 0; guard < 1000; guard++) {
    unique.forEach((s, i) => {
      if (dup2[i]) x[i] = stripChars(s, minlen, true);
    });
    const dup = x.map((v, i) => x.indexOf(v) !== i);
    if (!dup.some(Boolean)) break;
    minlen++;
    const dupVals = new Set(x.filter((_, i) => dup[i]));
    dup2 = x.map((v, i) => dup[i] || dupVals.has(v));
  }
  return trimmed.map((s) => x[unique.indexOf(s)]);
}
