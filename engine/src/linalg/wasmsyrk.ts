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


const F64STORE = 0x39, I32LOAD = 0x28, I32STORE = 0x36, F64SQRT = 0x9f, F64DIV = 0xa3, F64MUL = 0xa2, F64SUB = 0xa1;
const F64GT = 0x64, F64NE = 0x62, LT_S = 0x48, IF = 0x04, RETURN = 0x0f, F64CONST = 0x44;

/** A tiny structured-code builder for the scalar kernels. */
class Code {
  readonly c: number[] = [];
  get(i: number): this { this.c.push(GET, ...enc.u(i)); return this; }
  set(i: number): this { this.c.push(SET, ...enc.u(i)); return this; }
  tee(i: number): this { this.c.push(TEE, ...enc.u(i)); return this; }
  i32(v: number): this { this.c.push(I32C, ...enc.s(v)); return this; }
  f64(v: number): this { const b = new Uint8Array(new Float64Array([v]).buffer); this.c.push(F64CONST, ...b); return this; }
  op(...o: number[]): this { this.c.push(...o); return this; }
  mem(o: number, align: number, offset = 0): this { this.c.push(o, align, ...enc.u(offset)); return this; }
  /** while (cond) body — cond pushes an i32 that is nonzero to continue */
  loop(cond: (c: this) => void, bodyFn: (c: this) => void): this {
    this.c.push(BLOCK, VOID, LOOP, VOID);
    cond(this);
    this.c.push(EQZ, BR_IF, 1);
    bodyFn(this);
    this.c.push(BR, 0, END, END);
    return this;
  }
}

function withLocals(groups: [number, number][], code: number[]): number[] {
  const locals = [...enc.u(groups.length)];
  for (const [n, t] of groups) locals.push(...enc.u(n), t);
  const fn = [...locals, ...code, END];
  return [...enc.u(fn.length), ...fn];
}

/**
 * sparse(S, n, lda, c0, rows, vals) -> i32: right-looking elimination of columns 0..c0-1 of the
 * lower n×n matrix at byte offset S (leading dimension lda), updating only between nonzeros;
 * rows (i32) and vals (f64) are scratch of n entries. Returns -1, or the column with a non-positive pivot.
 */
function sparseBody(): number[] {
  // params 0:S 1:n 2:lda 3:c0 4:rows 5:vals ; i32 6:j 7:i 8:nr 9:x 10:y 11:colj 12:cx 13:t 14:lda8 ; f64 15:d 16:inv 17:v 18:f
  const k = new Code();
  k.get(2).i32(3).op(SHL).set(14);
  k.i32(0).set(6);
  k.loop((c) => c.get(6).get(3).op(LT_S), (c) => {
    c.get(0).get(6).get(14).op(MUL, ADD).set(11);
    c.get(11).get(6).i32(3).op(SHL, ADD).mem(F64LOAD, 3).set(15);
    c.get(15).f64(0).op(F64GT, EQZ, IF, VOID).get(6).op(RETURN, END);
    c.get(15).op(F64SQRT).set(15);
    c.get(11).get(6).i32(3).op(SHL, ADD).get(15).mem(F64STORE, 3);
    c.f64(1).get(15).op(F64DIV).set(16);
    c.i32(0).set(8);
    c.get(6).i32(1).op(ADD).set(7);
    c.loop((d) => d.get(7).get(1).op(LT_S), (d) => {
      d.get(11).get(7).i32(3).op(SHL, ADD).tee(13).mem(F64LOAD, 3).tee(17).f64(0).op(F64NE, IF, VOID);
      d.get(17).get(16).op(F64MUL).set(17);
      d.get(13).get(17).mem(F64STORE, 3);
      d.get(4).get(8).i32(2).op(SHL, ADD).get(7).mem(I32STORE, 2);
      d.get(5).get(8).i32(3).op(SHL, ADD).get(17).mem(F64STORE, 3);
      d.get(8).i32(1).op(ADD).set(8);
      d.op(END);
      d.get(7).i32(1).op(ADD).set(7);
    });
    c.i32(0).set(9);
    c.loop((d) => d.get(9).get(8).op(LT_S), (d) => {
      d.get(0).get(4).get(9).i32(2).op(SHL, ADD).mem(I32LOAD, 2).get(14).op(MUL, ADD).set(12);
      d.get(5).get(9).i32(3).op(SHL, ADD).mem(F64LOAD, 3).set(18);
      d.get(9).set(10);
      d.loop((e) => e.get(10).get(8).op(LT_S), (e) => {
        e.get(12).get(4).get(10).i32(2).op(SHL, ADD).mem(I32LOAD, 2).i32(3).op(SHL, ADD).tee(13);
        e.get(13).mem(F64LOAD, 3).get(5).get(10).i32(3).op(SHL, ADD).mem(F64LOAD, 3).get(18).op(F64MUL, F64SUB).mem(F64STORE, 3);
        e.get(10).i32(1).op(ADD).set(10);
      });
      d.get(9).i32(1).op(ADD).set(9);
    });
    c.get(6).i32(1).op(ADD).set(6);
  });
  k.i32(-1);
  return withLocals([[9, 0x7f], [4, 0x7c]], k.c);
}

/**
 * schur(S, m, lda, cePtr, ceEntry, ceEnd, rowIdx, V): for each column c of the m×m matrix S,
 * S[rowIdx[ea], c] -= V[ea]·V[eb] for every entry eb in row c (ceEntry[cePtr[c]..cePtr[c+1]))
 * and ea from eb to the end of its level (ceEnd). Index arrays are i32, V is f64; all byte offsets.
 */
function schurBody(): number[] {
  // params 0:S 1:m 2:lda 3:cePtr 4:ceEntry 5:ceEnd 6:rowIdx 7:V ; i32 8:c 9:x 10:xe 11:ea 12:e1 13:colc 14:lda8 15:t ; f64 16:vb
  const k = new Code();
  k.get(2).i32(3).op(SHL).set(14);
  k.i32(0).set(8);
  k.loop((c) => c.get(8).get(1).op(LT_S), (c) => {
    c.get(0).get(8).get(14).op(MUL, ADD).set(13);
    c.get(3).get(8).i32(2).op(SHL, ADD).tee(15).mem(I32LOAD, 2).set(9);
    c.get(15).mem(I32LOAD, 2, 4).set(10);
    c.loop((d) => d.get(9).get(10).op(LT_S), (d) => {
      d.get(4).get(9).i32(2).op(SHL, ADD).mem(I32LOAD, 2).set(11);
      d.get(5).get(9).i32(2).op(SHL, ADD).mem(I32LOAD, 2).set(12);
      d.get(7).get(11).i32(3).op(SHL, ADD).mem(F64LOAD, 3).tee(16).f64(0).op(F64NE, IF, VOID);
      d.loop((e) => e.get(11).get(12).op(LT_S), (e) => {
        e.get(13).get(6).get(11).i32(2).op(SHL, ADD).mem(I32LOAD, 2).i32(3).op(SHL, ADD).tee(15);
        e.get(15).mem(F64LOAD, 3).get(7).get(11).i32(3).op(SHL, ADD).mem(F64LOAD, 3).get(16).op(F64MUL, F64SUB).mem(F64STORE, 3);
        e.get(11).i32(1).op(ADD).set(11);
      });
      d.op(END);
      d.get(9).i32(1).op(ADD).set(9);
    });
    c.get(8).i32(1).op(ADD).set(8);
  });
  return withLocals([[8, 0x7f], [1, 0x7c]], k.c);
}

/**
 * gemm(P, Q, A, m, mc, nb, ldp, ldq, lda): A[r, c] -= Σ_k P[r, k] Q[c, k] for 0 ≤ r < m, 0 ≤ c < mc
 * (both multiples of 4), P, Q and A column-major with leading dimensions ldp, ldq, lda (byte offsets
 * P, Q, A). The same 4×4 register tiles as syrk, without the triangle.
 */
function gemmBody(): number[] {
  // params 0:P 1:Q 2:A 3:m 4:mc 5:nb 6:ldp 7:ldq 8:lda ; i32 9:c 10:r 11:k 12:pk 13:qk 14:a 15:ldp8 16:ldq8 17:lda8
  // v128 18..25: acc[j][h] = 18 + 2j + h ; 26, 27: v0, v1 ; 28..31: s0..s3
  const k = new Code();
  const vload = (offset: number) => k.op(...V128LOAD, 3, ...enc.u(offset));
  const vstore = (offset: number) => k.op(...V128STORE, 3, ...enc.u(offset));
  k.get(6).i32(3).op(SHL).set(15);
  k.get(7).i32(3).op(SHL).set(16);
  k.get(8).i32(3).op(SHL).set(17);
  k.i32(0).set(9);
  k.loop((c) => c.get(9).get(4).op(LT_S), () => {
    k.i32(0).set(10);
    k.loop((c) => c.get(10).get(3).op(LT_S), () => {
      for (let i = 18; i <= 25; i++) k.op(...V128CONST, ...new Array(16).fill(0)).set(i);
      k.get(0).get(10).i32(3).op(SHL, ADD).set(12);
      k.get(1).get(9).i32(3).op(SHL, ADD).set(13);
      k.get(5).set(11);
      k.loop((c) => c.get(11), () => {
        k.get(12);
        vload(0);
        k.set(26).get(12);
        vload(16);
        k.set(27);
        for (let j = 0; j < 4; j++) k.get(13).mem(F64LOAD, 3, 8 * j).op(...SPLAT).set(28 + j);
        for (let j = 0; j < 4; j++)
          for (let h = 0; h < 2; h++) k.get(18 + 2 * j + h).get(26 + h).get(28 + j).op(...FMUL, ...FADD).set(18 + 2 * j + h);
        k.get(12).get(15).op(ADD).set(12);
        k.get(13).get(16).op(ADD).set(13);
        k.get(11).i32(1).op(SUB).set(11);
      });
      k.get(2).get(10).i32(3).op(SHL, ADD).get(9).get(17).op(MUL, ADD).set(14);
      for (let j = 0; j < 4; j++) {
        for (let h = 0; h < 2; h++) {
          k.get(14).get(14);
          vload(16 * h);
          k.get(18 + 2 * j + h).op(...FSUB);
          vstore(16 * h);
        }
        if (j < 3) k.get(14).get(17).op(ADD).set(14);
      }
      k.get(10).i32(4).op(ADD).set(10);
    });
    k.get(9).i32(4).op(ADD).set(9);
  });
  return withLocals([[9, 0x7f], [14, 0x7b]], k.c);
}

function section(id: number, content: number[]): number[] {
  return [id, ...enc.u(content.length), ...content];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const str = (s: string) => [...enc.u(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [
      4,
      0x60, 5, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0,
      0x60, 6, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f,
      0x60, 8, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0,
      0x60, 9, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0,
    ]),
    ...section(3, [4, 0, 1, 2, 3]),
    ...section(5, [1, 0, 1]),
    ...section(7, [5, ...str('syrk'), 0x00, 0, ...str('mem'), 0x02, 0, ...str('sparse'), 0x00, 1, ...str('schur'), 0x00, 2, ...str('gemm'), 0x00, 3]),
    ...section(10, [4, ...body(), ...sparseBody(), ...schurBody(), ...gemmBody()]),
  ];
  return new Uint8Array(bytes);
}

export interface WasmSyrk {
  memory: WebAssembly.Memory;
  syrk(P: number, A: number, m: number, nb: number, lda: number): void;
  /** Sparse right-looking elimination of the first c0 columns (see sparseBody); -1 or the failing column. */
  sparse(S: number, n: number, lda: number, c0: number, rows: number, vals: number): number;
  /** Schur-complement subtraction by columns (see schurBody). */
  schur(S: number, m: number, lda: number, cePtr: number, ceEntry: number, ceEnd: number, rowIdx: number, V: number): void;
  /** General product update A −= P Q' (see gemmBody). */
  gemm(P: number, Q: number, A: number, m: number, mc: number, nb: number, ldp: number, ldq: number, lda: number): void;
  /** Grows the memory to at least `bytes`; returns the current buffer (views must be re-made after growth), or null when it cannot grow. */
  ensure(bytes: number): ArrayBuffer | null;
}

let cachedModule: WebAssembly.Module | null | undefined;

function kernelModule(): WebAssembly.Module | null {
  if (cachedModule !== undefined) return cachedModule;
  cachedModule = null;
  try {
    if (typeof WebAssembly !== 'object') return null;
    const bytes = moduleBytes();
    if (WebAssembly.validate(bytes)) cachedModule = new WebAssembly.Module(bytes);
  } catch {
    cachedModule = null;
  }
  return cachedModule;
}

function instantiate(): WasmSyrk | null {
  const mod = kernelModule();
  if (!mod) return null;
  try {
    const inst = new WebAssembly.Instance(mod, {});
    const memory = inst.exports.mem as WebAssembly.Memory;
    return {
      memory,
      syrk: inst.exports.syrk as WasmSyrk['syrk'],
      sparse: inst.exports.sparse as WasmSyrk['sparse'],
      schur: inst.exports.schur as WasmSyrk['schur'],
      gemm: inst.exports.gemm as WasmSyrk['gemm'],
      ensure(bytes: number): ArrayBuffer | null {
        const have = memory.buffer.byteLength;
        try {
          if (have < bytes) memory.grow(Math.ceil((bytes - have) / 65536));
        } catch {
          return null; // cannot grow (address space): callers fall back to plain JS
        }
        return memory.buffer;
      },
    };
  } catch {
    return null;
  }
}

let cached: WasmSyrk | null | undefined;

/** The shared instance (its memory is scratch for one call at a time). */
export function wasmSyrk(): WasmSyrk | null {
  if (cached === undefined) cached = instantiate();
  return cached;
}

/** A new instance with its own memory, for data kept resident between calls (one owner). */
export function wasmKernels(): WasmSyrk | null {
  return instantiate();
}
