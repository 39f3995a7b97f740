/**
 * A WebAssembly SIMD kernel (f64x2) for the trailing update of the blocked Cholesky, assembled
 * here from bytes (no toolchain; runs in node and in web workers). Exports `syrk(P, A, m, nb, lda)`
 * and its memory:
 *   A[r, c] -= Σ_k P[r, k] P[c, k]   for 0 ≤ c < m, (c & ~3) ≤ r < m,
 * with P m×nb column-major (leading dimension m) and A column-major (leading dimension lda), both
 * in the module's memory at byte offsets P and A; m must be a multiple of 4. Tiles of 4 rows × 4
 * columns straddling the diagonal also write above it (callers ignore the upper triangle).
 * `wasmSyrk()` returns null where WebAssembly SIMD is unavailable; callers then use plain JS.
 */

const enc = {
  u(n: number): number[] {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n !== 0) b |= 0x80;
      out.push(b);
    } while (n !== 0);
    return out;
  },
  s(n: number): number[] {
    const out: number[] = [];
    for (;;) {
      const b = n & 0x7f;
      n >>= 7;
      if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
        out.push(b);
        return out;
      }
      out.push(b | 0x80);
    }
  },
};

// opcodes
const GET = 0x20, SET = 0x21, TEE = 0x22;
const I32C = 0x41, ADD = 0x6a, SUB = 0x6b, MUL = 0x6c, AND = 0x71, SHL = 0x74, GE_S = 0x4e, EQZ = 0x45;
const BLOCK = 0x02, LOOP = 0x03, BR = 0x0c, BR_IF = 0x0d, END = 0x0b, VOID = 0x40;
const F64LOAD = 0x2b;
const SIMD = 0xfd;
const V128LOAD = [SIMD, 0x00], V128STORE = [SIMD, 0x0b], V128CONST = [SIMD, 0x0c];
const SPLAT = [SIMD, 0x14], FADD = [SIMD, 0xf0, 0x01], FSUB = [SIMD, 0xf1, 0x01], FMUL = [SIMD, 0xf2, 0x01];

function body(): number[] {
  // params 0:P 1:A 2:m 3:nb 4:lda ; i32 locals 5:c 6:r 7:k 8:pk 9:a 10:t 11:m8 12:lda8
  // v128 locals 13..20: acc[j][h] = 13 + 2j + h ; 21,22: v0,v1 ; 23..26: s0..s3
  const c: number[] = [];
  const g = (i: number) => c.push(GET, ...enc.u(i));
  const st = (i: number) => c.push(SET, ...enc.u(i));
  const k32 = (v: number) => c.push(I32C, ...enc.s(v));
  const mem = (op: number[] | number, offset: number, align = 3) => c.push(...(Array.isArray(op) ? op : [op]), align, ...enc.u(offset));
  g(2); k32(3); c.push(SHL); st(11);
  g(4); k32(3); c.push(SHL); st(12);
  k32(0); st(5);
  c.push(BLOCK, VOID, LOOP, VOID);
  g(5); g(2); c.push(GE_S, BR_IF, 1);
  g(5); k32(-4); c.push(AND); st(6);
  c.push(BLOCK, VOID, LOOP, VOID);
  g(6); g(2); c.push(GE_S, BR_IF, 1);
  for (let i = 13; i <= 20; i++) {
    c.push(...V128CONST, ...new Array(16).fill(0));
    st(i);
  }
  g(0); st(8);
  g(3); st(7);
  c.push(BLOCK, VOID, LOOP, VOID);
  g(7); c.push(EQZ, BR_IF, 1);
  // v0, v1 = P[r..r+3, k]
  g(8); g(6); k32(3); c.push(SHL, ADD, TEE, 9);
  mem(V128LOAD, 0); st(21);
  g(9); mem(V128LOAD, 16); st(22);
  // s_j = splat(P[c + j, k])
  g(8); g(5); k32(3); c.push(SHL, ADD, TEE, 10);
  for (let j = 0; j < 4; j++) {
    if (j > 0) g(10);
    mem(F64LOAD, 8 * j);
    c.push(...SPLAT);
    st(23 + j);
  }
  for (let j = 0; j < 4; j++)
    for (let h = 0; h < 2; h++) {
      g(13 + 2 * j + h); g(21 + h); g(23 + j); c.push(...FMUL, ...FADD); st(13 + 2 * j + h);
    }
  g(8); g(11); c.push(ADD); st(8);
  g(7); k32(1); c.push(SUB); st(7);
  c.push(BR, 0, END, END);
  // a = A + r*8 + c*lda8 ; subtract the four columns' tiles
  g(1); g(6); k32(3); c.push(SHL, ADD); g(5); g(12); c.push(MUL, ADD); st(9);
  for (let j = 0; j < 4; j++) {
    for (let h = 0; h < 2; h++) {
      g(9); g(9); mem(V128LOAD, 16 * h); g(13 + 2 * j + h); c.push(...FSUB); mem(V128STORE, 16 * h);
    }
    if (j < 3) {
      g(9); g(12); c.push(ADD); st(9);
    }
  }
  g(6); k32(4); c.push(ADD); st(6);
  c.push(BR, 0, END, END);
  g(5); k32(4); c.push(ADD); st(5);
  c.push(BR, 0, END, END);
  c.push(END);
  const locals = [2, ...enc.u(8), 0x7f, ...enc.u(14), 0x7b];
  const fn = [...locals, ...c];
  return [...enc.u(fn.length), ...fn];
}

function section(id: number, content: number[]): number[] {
  return [id, ...enc.u(content.length), ...content];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const str = (s: string) => [...enc.u(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 5, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0, 1]),
    ...section(7, [2, ...str('syrk'), 0x00, 0, ...str('mem'), 0x02, 0]),
    ...section(10, [1, ...body()]),
  ];
  return new Uint8Array(bytes);
}

export interface WasmSyrk {
  memory: WebAssembly.Memory;
  syrk(P: number, A: number, m: number, nb: number, lda: number): void;
  /** Grows the memory to at least `bytes`; returns the current buffer (views must be re-made after growth). */
  ensure(bytes: number): ArrayBuffer;
}

let cached: WasmSyrk | null | undefined;

export function wasmSyrk(): WasmSyrk | null {
  if (cached !== undefined) return cached;
  cached = null;
  try {
    if (typeof WebAssembly !== 'object') return null;
    const bytes = moduleBytes();
    if (!WebAssembly.validate(bytes)) return null;
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    const memory = inst.exports.mem as WebAssembly.Memory;
    const syrk = inst.exports.syrk as (P: number, A: number, m: number, nb: number, lda: number) => void;
    cached = {
      memory,
      syrk,
      ensure(bytes: number): ArrayBuffer {
        const have = memory.buffer.byteLength;
        if (have < bytes) memory.grow(Math.ceil((bytes - have) / 65536));
        return memory.buffer;
      },
    };
  } catch {
    cached = null;
  }
  return cached;
}
