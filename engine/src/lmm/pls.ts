/**
 * Blocked, weighted penalized least squares (lme4's PLS, laid out like MixedModels.jl).
 *
 * For relative covariance factor Λ(θ), square-root weights √w, random-effects model matrix
 * Z = [Z₁ … Z_T], fixed-effects matrix X and response y, the system factors
 *
 *   [ Λ'Z'WZΛ + I   Λ'Z'WX   Λ'Z'Wy ]        [ L₁₁   0      ]
 *   [ X'WZΛ         X'WX     X'Wy   ]  = L L', L = [ L₂₁   L_rest ]
 *   [ y'WZΛ         y'WX     y'Wy   ]
 *
 * Block 1 is the first random-effects term: its levels do not interact, so L₁₁ is block diagonal
 * (one k₁×k₁ factor per level) and L₂₁ keeps the sparsity of Z₁'W[Z₂…Z_T X y] (stored per level).
 * Everything after block 1 (the other terms, then X, then y) is one dense symmetric block whose
 * Schur complement is factored by a blocked dense Cholesky. The last pivot of L is √PWRSS, the
 * last row holds the right-hand sides, so β̂ and the conditional modes u follow by back substitution.
 *
 * The random-effects coefficients are ordered as lme4 orders them: by term, then by level, then by
 * the term's columns.
 */
import { applySchurJs, backSolveT, cholLower, cholLowerHybrid, cholSmall, dotAt, forwardSolve, invLower, ResidentHybridCholesky, scaleInto } from '../linalg/dense';
import { MlmError } from '../diagnostics';
import { BitGraph, minimumDegreeOrder } from '../linalg/ordering';
import { ReTerms, type ReTermData } from './reterms';
import { FIT_SETTINGS } from '../optim/options';
import type { PlsBlocks } from './blocks';
import { ROWS_PER_STEP, runSteps, type Steps } from '../hooks';

/** formScalar yields when (row & STEP_MASK) === STEP_MASK: every ROWS_PER_STEP rows. */
const STEP_MASK = ROWS_PER_STEP - 1;

/** What the PLS system needs of a random-effects term (ReTermFrame satisfies it). */
export type PlsTerm = ReTermData;

/** Size limits and switches: optim/options.ts (FIT_SETTINGS.pls). */
const { orderingMinGroups: ORDERING_MIN_GROUPS, orderingMaxGroups: ORDERING_MAX_GROUPS, maxDenseCoefficients: MAX_DENSE_DIM, schurGroupsMaxDoubles: SCHUR_GROUPS_MAX_DOUBLES, denseSwitch: DENSE_SWITCH, savedFactors: SAVED_FACTORS, savedFactorsMaxDoubles: SAVED_FACTORS_MAX_DOUBLES } = FIT_SETTINGS.pls;

export class PlsSystem {
  readonly n: number;
  readonly p: number;
  readonly ks: number[];
  readonly nLevels: number[];
  /** Offset of each term's coefficients in u (lme4's order). */
  readonly uOffsets: number[];
  /** Total number of random-effects coefficients. */
  readonly q: number;
  /** Size of block 1 (first term) and of the random-effects part of the dense block. */
  readonly q1: number;
  readonly q2: number;
  /** Dimension of the dense block: q2 + p + 1. */
  readonly m: number;

  private readonly terms: PlsTerm[];
  /** the terms' θ layout, Λ and b = Λu */
  readonly re: ReTerms;
  private readonly X: Float64Array;
  /** Offset in the dense block of each level of term t ≥ 1 (levels are permuted to reduce fill). */
  private readonly levelOff: Int32Array[];
  private readonly restTerm: Int32Array; // term of each dense-block index (-1 for X, y)
  private readonly restCol: Int32Array; // column within the term
  private readonly order: Int32Array; // observations sorted by level of term 1
  private readonly levelPtr: Int32Array; // order[levelPtr[j] .. levelPtr[j+1]) are level j's rows
  private readonly colPtr: Int32Array; // pattern of L₂₁ per level of term 1
  private readonly rowIdx: Int32Array;
  private readonly allScalarRest: boolean;
  /**
   * Every term scalar: for each observation and term t ≥ 1, the entry of A₂₁ it adds to (its level of
   * term 1 and its level of term t), so setData forms the cross products in one pass over the data.
   */
  private readonly obsSlot: Int32Array | null = null;
  /** every level of the first term meets every row of the dense block (fully crossed terms) */
  private readonly fullPattern: boolean;
  /** True when the dense block was reordered (its factor is then sparse enough to skip zeros). */
  private readonly ordered: boolean = false;
  /** Columns of the dense block before this index are eliminated sparsely (after a fill-reducing order). */
  private readonly denseFrom: number = 0;

  private readonly D1: Float64Array; // Z₁'WZ₁ blocks
  private readonly A21: Float64Array; // Z₁'W[Z₂.. X y], nnz × k₁ (row-major per entry)
  private readonly Arest: Float64Array; // symmetric m×m: full, or its lower triangle when every term after the first is scalar

  /** Factor pieces after factor(): L₁₁ blocks, L₂₁ values (same layout as A21), dense L_rest (m×m, lower). */
  readonly L11: Float64Array;
  /** (in WebAssembly memory once the factorization is resident there) */
  L21: Float64Array;
  private readonly lrest: Float64Array;
  /**
   * The factorization kept in WebAssembly memory between calls (large ordered dense blocks of a scalar
   * first term, every term scalar): the matrix is written there and the factor read there, so no
   * copies in and out per θ; L_rest is copied out only when asked for (lrestStale).
   */
  private resident: ResidentHybridCholesky | null = null;
  private residentTried = false;
  private lrestStale = false;
  /** Dense L_rest (m×m, lower) after factor(). */
  get Lrest(): Float64Array {
    if (this.lrestStale) {
      this.resident!.copyFactorTo(this.lrest, this.m);
      this.lrestStale = false;
    }
    return this.lrest;
  }

  /** Penalized weighted residual sum of squares at the last factor(). */
  pwrss = NaN;
  /** log |L_Z|² (random-effects part of L only). */
  logdetL2 = NaN;
  /** log |R_X|² (fixed-effects part). */
  logdetRX2 = NaN;
  /** Σ log w of the prior/working weights given to setData (w = sqrtW²). */
  sumLogW = 0;
  /** Spherical conditional modes u and fixed effects β after solve(). */
  readonly u: Float64Array;
  readonly beta: Float64Array;
  private schurGroups: { dValues: Float64Array; G: Float64Array } | null = null;
  /** From blocks: the cells of the pairs (term 1, t) by level of term 1, between the constructor and setBlocks. */
  private blockCells: ReturnType<typeof blocksCellsByLevel> | null = null;
  private schurTmp: Float64Array | null = null;
  private lambda: { data: Float64Array; offsets: number[] } | null = null;
  private theta: Float64Array = new Float64Array(0);
  private dataSet = false;

  /**
   * @param terms random-effects terms (lme4's order); the first becomes the block-diagonal block
   * @param X n×p column-major fixed-effects matrix (p may be 0: then only u is solved for, e.g. PIRLS with β fixed)
   */
  constructor(terms: PlsTerm[], X: Float64Array, p: number, n: number, blocks?: PlsBlocks) {
    if (terms.length === 0) throw new Error('PlsSystem needs at least one random-effects term');
    this.terms = terms;
    this.re = new ReTerms(terms);
    this.X = X;
    this.p = p;
    this.n = n;
    this.ks = this.re.ks;
    this.nLevels = this.re.nLevels;
    this.uOffsets = this.re.terms.map((t) => t.uOff);
    const q = this.re.q;
    this.q = q;
    this.q1 = this.ks[0] * this.nLevels[0];
    this.q2 = q - this.q1;
    this.m = this.q2 + p + 1;
    const m = this.m;
    if (m > MAX_DENSE_DIM)
      throw new MlmError({
        code: 'model-too-large',
        message:
          `the random-effects terms other than the one with the most levels have ${this.q2} coefficients in all; the engine factors ` +
          `them as one dense block and supports at most ${MAX_DENSE_DIM - p - 1} (simplify the model or use fewer levels)`,
      });
    this.restTerm = new Int32Array(m).fill(-1);
    this.restCol = new Int32Array(m).fill(-1);
    let allScalar = true;
    for (let t = 1; t < terms.length; t++) if (this.ks[t] !== 1) allScalar = false;
    this.allScalarRest = allScalar;
    // observations grouped by level of term 1 (counting sort)
    const l1 = this.nLevels[0];
    if (blocks) {
      // no rows: the cross products come from the blocks (setBlocks)
      this.levelPtr = new Int32Array(l1 + 1);
      this.order = new Int32Array(0);
    } else {
      const refs1 = terms[0].refs;
      const cnt = new Int32Array(l1 + 1);
      for (let i = 0; i < n; i++) cnt[refs1[i] + 1]++;
      for (let j = 0; j < l1; j++) cnt[j + 1] += cnt[j];
      this.levelPtr = Int32Array.from(cnt);
      const order = new Int32Array(n);
      const pos = Int32Array.from(cnt);
      for (let i = 0; i < n; i++) order[pos[refs1[i]]++] = i;
      this.order = order;
    }

    // groups (term t ≥ 1, level) touched by each level of term 1: the Schur complement's graph
    const groupBase: number[] = [0];
    for (let t = 1; t < terms.length; t++) groupBase.push(groupBase[t - 1] + this.nLevels[t]);
    const G = groupBase[terms.length - 1];
    const mark = new Int32Array(G).fill(-1);
    const touchPtr = new Int32Array(l1 + 1);
    const touched: number[] = [];
    if (blocks) {
      // the cells of each pair (term 1, term t) are the groups each level of term 1 touches
      const cells = blocksCellsByLevel(blocks, l1);
      this.blockCells = cells;
      for (let j = 0; j < l1; j++) {
        for (let e = cells.ptr[j]; e < cells.ptr[j + 1]; e++) {
          const g = groupBase[cells.term[e] - 1] + cells.level[e];
          if (mark[g] !== j) {
            mark[g] = j;
            touched.push(g);
          }
        }
        touchPtr[j + 1] = touched.length;
      }
    } else {
      const order = this.order;
      for (let j = 0; j < l1; j++) {
        for (let s = this.levelPtr[j]; s < this.levelPtr[j + 1]; s++) {
          const i = order[s];
          for (let t = 1; t < terms.length; t++) {
            const g = groupBase[t - 1] + terms[t].refs[i];
            if (mark[g] !== j) {
              mark[g] = j;
              touched.push(g);
            }
          }
        }
        touchPtr[j + 1] = touched.length;
      }
    }
    // fill-reducing order of the groups (minimum degree) when the dense block is large
    let denseFromGroup = 0;
    const groupOrder = new Int32Array(G);
    for (let g = 0; g < G; g++) groupOrder[g] = g;
    if (G >= ORDERING_MIN_GROUPS && G <= ORDERING_MAX_GROUPS) {
      const graph = new BitGraph(G);
      for (let j = 0; j < l1; j++) graph.addClique(touched.slice(touchPtr[j], touchPtr[j + 1]));
      const md = minimumDegreeOrder(graph);
      groupOrder.set(md.order);
      // sparse elimination while the factor's columns are sparse, dense kernels after
      let c0g = G;
      for (let s = 0; s < G; s++) if (md.degree[s] > DENSE_SWITCH * (G - s)) {
        c0g = s;
        break;
      }
      denseFromGroup = c0g;
      this.ordered = true;
    }
    const groupOff = new Int32Array(G);
    const groupTerm = (g: number): number => {
      let t = 1;
      while (t < terms.length - 1 && g >= groupBase[t]) t++;
      return t;
    };
    let offAcc = 0;
    for (let s = 0; s < G; s++) {
      const g = groupOrder[s];
      if (s === denseFromGroup) this.denseFrom = offAcc;
      groupOff[g] = offAcc;
      const t = groupTerm(g);
      for (let a = 0; a < this.ks[t]; a++) {
        this.restTerm[offAcc + a] = t;
        this.restCol[offAcc + a] = a;
      }
      offAcc += this.ks[t];
    }
    this.levelOff = [new Int32Array(0)];
    for (let t = 1; t < terms.length; t++) this.levelOff.push(groupOff.slice(groupBase[t - 1], groupBase[t]));
    // sparsity pattern of Z₁'[Z₂.. X y] per level of term 1 (sorted dense-block indices)
    const ptr = new Int32Array(l1 + 1);
    let idx: number[] = [];
    const tmp: number[] = [];
    for (let j = 0; j < l1; j++) {
      tmp.length = 0;
      for (let e = touchPtr[j]; e < touchPtr[j + 1]; e++) {
        const g = touched[e];
        const k = this.ks[groupTerm(g)];
        for (let a = 0; a < k; a++) tmp.push(groupOff[g] + a);
      }
      tmp.sort((x, y) => x - y);
      for (const r of tmp) idx.push(r);
      for (let r = this.q2; r < m; r++) idx.push(r);
      ptr[j + 1] = idx.length;
    }
    this.colPtr = ptr;
    this.rowIdx = Int32Array.from(idx);
    idx = [];
    this.fullPattern = this.rowIdx.length === l1 * m;
    if (this.ks[0] === 1 && allScalar && !blocks) {
      const T = terms.length;
      const slot = new Int32Array((T - 1) * n);
      const at = new Int32Array(m).fill(-1); // dense-block row → entry, within the current level
      for (let j = 0; j < l1; j++) {
        for (let e = ptr[j]; e < ptr[j + 1]; e++) at[this.rowIdx[e]] = e;
        for (let s = this.levelPtr[j]; s < this.levelPtr[j + 1]; s++) {
          const i = this.order[s];
          for (let t = 1; t < T; t++) slot[(t - 1) * n + i] = at[this.levelOff[t][terms[t].refs[i]]];
        }
      }
      this.obsSlot = slot;
    }
    const k1 = this.ks[0];
    this.D1 = new Float64Array(l1 * k1 * k1);
    this.A21 = new Float64Array(this.rowIdx.length * k1);
    this.Arest = new Float64Array(m * m);
    this.L11 = new Float64Array(l1 * k1 * k1);
    this.L21 = new Float64Array(this.rowIdx.length * k1);
    this.lrest = new Float64Array(m * m);
    this.u = new Float64Array(q);
    this.beta = new Float64Array(p);
  }

  /**
   * The system of a linear mixed model from its cross-product blocks (no rows): terms bring their
   * levels and k (refs and Z are not read), X is not needed.
   */
  static fromBlocks(terms: PlsTerm[], blocks: PlsBlocks): PlsSystem {
    const sys = new PlsSystem(terms, new Float64Array(0), blocks.p, blocks.n, blocks);
    sys.setBlocks(blocks);
    return sys;
  }

  /** Fill D₁, A₂₁ and A_rest from the blocks (the unweighted cross products setData forms from rows). */
  private setBlocks(B: PlsBlocks): void {
    const { p, m } = this;
    const k1 = this.ks[0];
    const P1 = p + 1;
    this.sumLogW = 0;
    this.D1.set(B.zz[0]);
    const A = this.Arest;
    A.fill(0);
    const put = (r: number, c: number, v: number) => {
      A[r + c * m] = v;
      A[c + r * m] = v;
    };
    for (let a = 0; a < P1; a++) for (let b = 0; b <= a; b++) put(this.q2 + a, this.q2 + b, B.xy[a + b * P1]);
    for (let t = 1; t < this.ks.length; t++) {
      const k = this.ks[t], zz = B.zz[t], zxy = B.zxy[t];
      for (let l = 0; l < this.nLevels[t]; l++) {
        const base = this.levelOff[t][l];
        for (let a = 0; a < k; a++) {
          for (let b = 0; b <= a; b++) put(base + a, base + b, zz[l * k * k + a + b * k]);
          for (let c = 0; c < P1; c++) put(this.q2 + c, base + a, zxy[l * k * P1 + a + c * k]);
        }
      }
    }
    for (const pr of B.pairs) {
      if (pr.s === 0) continue;
      const ks = this.ks[pr.s], kt = this.ks[pr.t];
      for (let c = 0; c < pr.ls.length; c++) {
        const bs = this.levelOff[pr.s][pr.ls[c]], bt = this.levelOff[pr.t][pr.lt[c]];
        for (let a = 0; a < ks; a++) for (let b = 0; b < kt; b++) put(bs + a, bt + b, pr.zz[c * ks * kt + a + b * ks]);
      }
    }
    // A₂₁ per level of term 1: the cells of pairs (1, t) and Z₁'[X y]
    const acc = new Float64Array(m * k1);
    const cells = this.blockCells ?? blocksCellsByLevel(B, this.nLevels[0]);
    this.blockCells = null;
    const zxy1 = B.zxy[0];
    for (let j = 0; j < this.nLevels[0]; j++) {
      for (let e = cells.ptr[j]; e < cells.ptr[j + 1]; e++) {
        const t = cells.term[e], kt = this.ks[t];
        const base = this.levelOff[t][cells.level[e]];
        const zz = cells.values[e], o = cells.offset[e];
        for (let b = 0; b < kt; b++) for (let a = 0; a < k1; a++) acc[(base + b) * k1 + a] = zz[o + a + b * k1];
      }
      for (let c = 0; c < P1; c++) for (let a = 0; a < k1; a++) acc[(this.q2 + c) * k1 + a] = zxy1[j * k1 * P1 + a + c * k1];
      for (let e2 = this.colPtr[j]; e2 < this.colPtr[j + 1]; e2++) {
        const o = this.rowIdx[e2] * k1;
        for (let a = 0; a < k1; a++) {
          this.A21[e2 * k1 + a] = acc[o + a];
          acc[o + a] = 0;
        }
      }
    }
    this.prepareSchurGroups();
    this.dataSet = true;
  }

  /**
   * Set square-root weights (null = all 1) and the response, and form the weighted cross products.
   * Call again whenever weights or response change (each PIRLS iteration); factor() afterwards.
   *
   * `weightsTag` names these weights when the caller will come back to the same weights with another
   * response (glmer's PIRLS starts every evaluation from the weights of one linear predictor): the
   * cross products without y are then kept, and so are the factors at the θ values seen with these
   * weights (up to FIT_SETTINGS.pls.savedFactors, within savedFactorsMaxDoubles); a later setData with the same tag forms only the
   * response's cross products, and factor() at a saved θ recomputes only the response row of L.
   */
  setData(sqrtW: Float64Array | null, y: ArrayLike<number>, weightsTag?: object): void {
    runSteps(this.setDataSteps(sqrtW, y, weightsTag));
  }

  /** setData in slices of rows (a Steps generator, hooks.ts): a language server answers meanwhile. */
  *setDataSteps(sqrtW: Float64Array | null, y: ArrayLike<number>, weightsTag?: object): Steps<void> {
    const sv = this.saved;
    if (weightsTag !== undefined && sv !== null && sv.tag === weightsTag) {
      this.D1.set(sv.D1);
      this.A21.set(sv.A21);
      this.Arest.set(sv.Arest);
      this.sumLogW = sv.sumLogW;
      this.formResponse(sv.sqrtW, y);
      if (sv.grouped) this.prepareSchurGroups();
      else this.schurGroups = null;
      this.fromSaved = true;
      this.dataSet = true;
      return;
    }
    this.fromSaved = false;
    const { n } = this;
    let sumLogW = 0;
    if (sqrtW) for (let i = 0; i < n; i++) sumLogW += 2 * Math.log(sqrtW[i]);
    this.sumLogW = sumLogW;
    if (this.obsSlot) yield* this.formScalar(sqrtW, y);
    // one term: the column-pair loops (quick to optimise on a first fit); rows beyond one slice take the
    // general pass, which forms the same sums in the same order and yields between slices
    else if (this.terms.length === 1 && n <= ROWS_PER_STEP) this.formSingleTerm(sqrtW, y);
    else yield* this.formGeneral(sqrtW, y);
    // symmetrize (all-scalar terms: factor() reads the lower triangle only)
    const { m } = this;
    const A = this.Arest;
    if (!this.allScalarRest) for (let c = 0; c < m; c++) for (let i = c + 1; i < m; i++) A[c + i * m] = A[i + c * m];
    if (weightsTag !== undefined && this.D1.length + this.A21.length + this.Arest.length <= SAVED_FACTORS_MAX_DOUBLES) {
      this.saved = {
        tag: weightsTag,
        sqrtW: sqrtW ? sqrtW.slice() : null,
        sumLogW,
        D1: this.D1.slice(),
        A21: this.A21.slice(),
        Arest: this.Arest.slice(),
        factors: new Map(),
        grouped: false,
      };
      this.fromSaved = true;
    }
    this.prepareSchurGroups();
    if (this.saved && weightsTag !== undefined && this.saved.tag === weightsTag) this.saved.grouped = this.schurGroups !== null;
    this.dataSet = true;
  }

  /** Weights and cross products kept for a weights tag (see setData), with factors by θ. */
  private saved: {
    tag: object;
    sqrtW: Float64Array | null;
    sumLogW: number;
    D1: Float64Array;
    A21: Float64Array;
    Arest: Float64Array;
    factors: Map<string, { L11: Float64Array; L21: Float64Array; Lrest: Float64Array; logdetL2: number; logdetRX2: number }>;
    /** whether these weights' Schur complement is grouped (prepareSchurGroups) */
    grouped: boolean;
  } | null = null;
  /** whether the current cross products are those of the saved weights */
  private fromSaved = false;

  /** The cross products, general terms: per level of term 1, each observation's dense-block row. */
  private *formGeneral(sqrtW: Float64Array | null, y: ArrayLike<number>): Steps<void> {
    const { n, p, m, terms, X } = this;
    const T = terms.length;
    const k1 = this.ks[0];
    // entries of one observation's dense-block row
    let r = p + 1;
    for (let t = 1; t < T; t++) r += this.ks[t];
    const ridx = new Int32Array(r);
    const rval = new Float64Array(r);
    const A = this.Arest;
    A.fill(0);
    this.D1.fill(0);
    this.A21.fill(0);
    const acc = new Float64Array(m * k1);
    const z1 = new Float64Array(k1);
    const Z1 = terms[0].Z;
    let sinceYield = 0;
    for (let j = 0; j < this.nLevels[0]; j++) {
      if (sinceYield >= ROWS_PER_STEP) {
        sinceYield = 0;
        yield;
      }
      sinceYield += this.levelPtr[j + 1] - this.levelPtr[j];
      const d1o = j * k1 * k1;
      for (let s = this.levelPtr[j]; s < this.levelPtr[j + 1]; s++) {
        const i = this.order[s];
        const w = sqrtW ? sqrtW[i] : 1;
        let e = 0;
        for (let t = 1; t < T; t++) {
          const k = this.ks[t];
          const base = this.levelOff[t][terms[t].refs[i]];
          const Zt = terms[t].Z;
          for (let a = 0; a < k; a++) {
            ridx[e] = base + a;
            rval[e++] = w * Zt[i + a * n];
          }
        }
        for (let c = 0; c < p; c++) {
          ridx[e] = this.q2 + c;
          rval[e++] = w * X[i + c * n];
        }
        ridx[e] = m - 1;
        rval[e++] = w * y[i];
        for (let a = 0; a < r; a++) {
          const va = rval[a];
          if (va === 0) continue;
          const ra = ridx[a];
          for (let b = 0; b <= a; b++) {
            const rb = ridx[b]; // levels are permuted: keep to the lower triangle
            if (ra >= rb) A[ra + rb * m] += va * rval[b];
            else A[rb + ra * m] += va * rval[b];
          }
        }
        for (let a = 0; a < k1; a++) z1[a] = w * Z1[i + a * n];
        for (let a = 0; a < k1; a++)
          for (let b = 0; b < k1; b++) this.D1[d1o + a + b * k1] += z1[a] * z1[b];
        for (let e2 = 0; e2 < r; e2++) {
          const v = rval[e2];
          const o = ridx[e2] * k1;
          for (let a = 0; a < k1; a++) acc[o + a] += v * z1[a];
        }
      }
      for (let e2 = this.colPtr[j]; e2 < this.colPtr[j + 1]; e2++) {
        const o = this.rowIdx[e2] * k1;
        for (let a = 0; a < k1; a++) {
          this.A21[e2 * k1 + a] = acc[o + a];
          acc[o + a] = 0;
        }
      }
    }
  }

  /**
   * The cross products of a single random-effects term (no random effects in the dense block): each
   * one a sum over the rows in the order formGeneral visits them (by level of the term), so the same
   * numbers, formed column pair by column pair in one small loop.
   */
  private formSingleTerm(sqrtW: Float64Array | null, y: ArrayLike<number>): void {
    const { n, p, m, X, order, levelPtr, colPtr, D1, A21 } = this;
    const k1 = this.ks[0];
    const Z1 = this.terms[0].Z;
    const yv = y instanceof Float64Array ? y : Float64Array.from(y);
    // column c of [X y] as (array, offset)
    const col = (c: number): Float64Array => (c < p ? X : yv);
    const off = (c: number): number => (c < p ? c * n : 0);
    const A = this.Arest;
    A.fill(0);
    for (let a = 0; a <= p; a++)
      for (let b = 0; b <= a; b++) {
        const ra = a < p ? a : m - 1, rb = b < p ? b : m - 1;
        A[ra + rb * m] = crossOrdered(col(a), off(a), col(b), off(b), sqrtW, order, 0, n);
      }
    for (let j = 0; j < this.nLevels[0]; j++) {
      const s0 = levelPtr[j], s1 = levelPtr[j + 1];
      const d1o = j * k1 * k1;
      for (let a = 0; a < k1; a++)
        for (let b = 0; b < k1; b++) D1[d1o + a + b * k1] = crossOrdered(Z1, a * n, Z1, b * n, sqrtW, order, s0, s1);
      for (let e = colPtr[j]; e < colPtr[j + 1]; e++) {
        const r = this.rowIdx[e];
        const c = r < p ? r : p; // the dense block's rows: X's columns, then y (row m − 1)
        for (let a = 0; a < k1; a++) A21[e * k1 + a] = crossOrdered(col(c), off(c), Z1, a * n, sqrtW, order, s0, s1);
      }
    }
  }

  /** Weights w = sqrtW² (1 without weights), in a buffer reused from call to call. */
  private weightsOf(sqrtW: Float64Array | null): Float64Array {
    const { n } = this;
    if (this.wBuf.length !== n) this.wBuf = new Float64Array(n);
    const w = this.wBuf;
    if (sqrtW)
      for (let i = 0; i < n; i++) {
        const s = sqrtW[i];
        w[i] = s * s;
      }
    else w.fill(1);
    return w;
  }
  private wBuf = new Float64Array(0);
  private wxBuf = new Float64Array(0);

  /**
   * The cross products when every term is scalar (the specialisation for crossed scalar terms): one
   * pass over the observations scatters into D₁, A₂₁ (through obsSlot) and the terms' rows of the
   * dense block; the X and y block is formed column by column.
   */
  private *formScalar(sqrtW: Float64Array | null, y: ArrayLike<number>): Steps<void> {
    const { n, p, m, q2, terms, X, D1, A21, colPtr } = this;
    const A = this.Arest;
    const slot = this.obsSlot!;
    const T = terms.length;
    A.fill(0);
    D1.fill(0);
    A21.fill(0);
    const w = this.weightsOf(sqrtW);
    const r0 = terms[0].refs, z0 = terms[0].Z;
    const refsT = terms.map((t) => t.refs);
    const zT = terms.map((t) => t.Z);
    const offT = this.levelOff;
    for (let i = 0; i < n; i++) {
      if ((i & STEP_MASK) === STEP_MASK) yield;
      const wi = w[i];
      const j = r0[i];
      const v0 = z0[i];
      const wv0 = wi * v0;
      const yi = y[i];
      D1[j] += wv0 * v0;
      const ex = colPtr[j + 1] - p - 1;
      for (let c = 0; c < p; c++) A21[ex + c] += wv0 * X[i + c * n];
      A21[ex + p] += wv0 * yi;
      for (let t = 1; t < T; t++) {
        const vt = zT[t][i];
        const r = offT[t][refsT[t][i]];
        A21[slot[(t - 1) * n + i]] += wv0 * vt;
        const wvt = wi * vt;
        const rc = r * m;
        A[r + rc] += wvt * vt;
        for (let s2 = 1; s2 < t; s2++) {
          const rs = offT[s2][refsT[s2][i]];
          const v = wvt * zT[s2][i];
          if (r > rs) A[r + rs * m] += v;
          else A[rs + rc] += v;
        }
        for (let c = 0; c < p; c++) A[q2 + c + rc] += wvt * X[i + c * n];
        A[m - 1 + rc] += wvt * yi;
      }
    }
    // the X and y block, lower triangle: column c of [X y] against the columns up to c
    if (this.wxBuf.length !== n) this.wxBuf = new Float64Array(n);
    const wx = this.wxBuf;
    const yv = y instanceof Float64Array ? y : Float64Array.from(y);
    for (let c = 0; c <= p; c++) {
      if (c < p) scaleInto(wx, w, X, c * n, n);
      else scaleInto(wx, w, yv, 0, n);
      const cc = q2 + c;
      for (let c2 = 0; c2 <= c; c2++) {
        A[cc + (q2 + c2) * m] = c2 < p ? dotAt(wx, 0, X, c2 * n, n) : dotAt(wx, 0, yv, 0, n);
        yield;
      }
    }
  }

  /**
   * Only the response's cross products (A₂₁'s y entries, row and column m − 1 of the dense block) for
   * weights sqrtW, the rest kept.
   */
  private formResponse(sqrtW: Float64Array | null, y: ArrayLike<number>): void {
    const { n, p, m, q2, terms, X, colPtr, A21 } = this;
    const A = this.Arest;
    const T = terms.length;
    const k1 = this.ks[0];
    const l1 = this.nLevels[0];
    for (let j = 0; j < l1; j++) {
      const ey = (colPtr[j + 1] - 1) * k1;
      for (let a = 0; a < k1; a++) A21[ey + a] = 0;
    }
    for (let c = 0; c < m; c++) A[m - 1 + c * m] = 0;
    const w = this.weightsOf(sqrtW);
    const r0 = terms[0].refs, Z1 = terms[0].Z;
    for (let i = 0; i < n; i++) {
      const wy = w[i] * y[i];
      if (wy === 0) continue;
      const ey = (colPtr[r0[i] + 1] - 1) * k1;
      for (let a = 0; a < k1; a++) A21[ey + a] += wy * Z1[i + a * n];
      for (let t = 1; t < T; t++) {
        const k = this.ks[t];
        const base = this.levelOff[t][terms[t].refs[i]];
        const Zt = terms[t].Z;
        for (let a = 0; a < k; a++) A[m - 1 + (base + a) * m] += wy * Zt[i + a * n];
      }
      for (let c = 0; c < p; c++) A[m - 1 + (q2 + c) * m] += wy * X[i + c * n];
      A[m - 1 + (m - 1) * m] += wy * y[i];
    }
    if (!this.allScalarRest) for (let c = 0; c < m - 1; c++) A[c + (m - 1) * m] = A[m - 1 + c * m];
  }

  private colEntryCache: { cePtr: Int32Array; ceEntry: Int32Array; ceEnd: Int32Array } | null = null;
  /** For each dense-block column c: the L₂₁ entries in row c and the end of their level's entries. */
  private colEntries(): { cePtr: Int32Array; ceEntry: Int32Array; ceEnd: Int32Array } {
    if (this.colEntryCache) return this.colEntryCache;
    const { m } = this;
    const nnz = this.rowIdx.length;
    const cePtr = new Int32Array(m + 1);
    for (let e = 0; e < nnz; e++) cePtr[this.rowIdx[e] + 1]++;
    for (let c = 0; c < m; c++) cePtr[c + 1] += cePtr[c];
    const pos = cePtr.slice(0, m);
    const ceEntry = new Int32Array(nnz);
    const ceEnd = new Int32Array(nnz);
    for (let j = 0; j < this.nLevels[0]; j++) {
      const e1 = this.colPtr[j + 1];
      for (let e = this.colPtr[j]; e < e1; e++) {
        const x = pos[this.rowIdx[e]]++;
        ceEntry[x] = e;
        ceEnd[x] = e1;
      }
    }
    this.colEntryCache = { cePtr, ceEntry, ceEnd };
    return this.colEntryCache;
  }

  /**
   * For a scalar first term, levels with the same Σw z² (e.g. the same number of observations)
   * contribute to the Schur complement with the same θ-dependent weight, so their cross products
   * G_d = Σ_{j: d_j = d} A₂₁ⱼA₂₁ⱼ' can be formed once here instead of at every θ. Used when cheaper.
   */
  private prepareSchurGroups(): void {
    this.schurGroups = null;
    this.schurTmp = null;
    const { m } = this;
    if (this.ks[0] !== 1) return;
    const l1 = this.nLevels[0];
    let direct = 0;
    for (let j = 0; j < l1; j++) {
      const nz = this.colPtr[j + 1] - this.colPtr[j];
      direct += (nz * (nz + 1)) / 2;
    }
    // grouping pays while 2 nd m(m + 1)/2 ≤ direct: stop counting distinct values beyond that
    const maxGroups = Math.min(direct / (m * (m + 1)), SCHUR_GROUPS_MAX_DOUBLES / (m * m));
    if (maxGroups < 1) return;
    const ids = new Map<number, number>();
    const gOf = new Int32Array(l1);
    for (let j = 0; j < l1; j++) {
      const d = this.D1[j];
      let g = ids.get(d);
      if (g === undefined) {
        g = ids.size;
        if (g + 1 > maxGroups) return;
        ids.set(d, g);
      }
      gOf[j] = g;
    }
    const nd = ids.size;
    const G = new Float64Array(nd * m * m);
    const mm = m * m;
    for (let j = 0; j < l1; j++) {
      const o = gOf[j] * mm;
      const e0 = this.colPtr[j], e1 = this.colPtr[j + 1];
      for (let eb = e0; eb < e1; eb++) {
        const cb = o + this.rowIdx[eb] * m;
        const vb = this.A21[eb];
        if (vb === 0) continue;
        for (let ea = eb; ea < e1; ea++) G[this.rowIdx[ea] + cb] += this.A21[ea] * vb;
      }
    }
    const dValues = new Float64Array(nd);
    for (const [d, g] of ids) dValues[g] = d;
    this.schurGroups = { dValues, G };
    this.schurTmp = new Float64Array(mm);
  }

  /**
   * Factor the system at θ. Returns false when it is not positive definite (e.g. a rank-deficient X).
   * Sets pwrss, logdetL2 and logdetRX2.
   */
  factor(theta: ArrayLike<number>): boolean {
    this.factorId++;
    const sv = this.fromSaved ? this.saved : null;
    const key = sv ? Array.prototype.join.call(theta, ',') : '';
    const hit = sv?.factors.get(key);
    if (hit) {
      // the same weights and θ as a factor seen before: only the response row of L changes
      this.L11.set(hit.L11);
      this.L21.set(hit.L21);
      this.lrest.set(hit.Lrest);
      this.lrestStale = false;
      this.logdetL2 = hit.logdetL2;
      this.logdetRX2 = hit.logdetRX2;
      this.lambda = this.re.lambdaBlocks(theta);
      this.theta = Float64Array.from(theta);
      this.refactorResponse();
      this.factored = true;
      return true;
    }
    this.factored = this.factorImpl(theta);
    const size = this.L11.length + this.L21.length + this.lrest.length;
    if (this.factored && sv && sv.factors.size < SAVED_FACTORS && (sv.factors.size + 1) * size <= SAVED_FACTORS_MAX_DOUBLES) {
      sv.factors.set(key, { L11: this.L11.slice(), L21: this.L21.slice(), Lrest: this.Lrest.slice(), logdetL2: this.logdetL2, logdetRX2: this.logdetRX2 });
    }
    return this.factored;
  }

  /**
   * The response row of L — L₂₁'s y entries and the last row of L_rest — from the current cross
   * products, the rest of L (factored at the same weights and θ) kept: the last row of Λ'AΛ minus
   * the Schur complement of block 1, forward-solved with the leading part of L_rest.
   */
  private refactorResponse(): void {
    const { m, q2, colPtr, rowIdx, A21 } = this;
    const k1 = this.ks[0];
    const lam = this.lambda!;
    const Ld = lam.data;
    const V = this.L21;
    const A = this.Arest;
    const S = this.Lrest;
    const s = new Float64Array(m);
    const vrow = new Float64Array(k1);
    for (let j = 0; j < this.nLevels[0]; j++) {
      const ey = colPtr[j + 1] - 1;
      const o = ey * k1;
      const lo = j * k1 * k1;
      // v = L₁₁⁻¹ Λ₁' a (a the level's y entry of A₂₁)
      this.level1Solve(A21, V, o, lo, Ld, vrow);
      for (let e = colPtr[j]; e <= ey; e++) {
        let d = 0;
        for (let a = 0; a < k1; a++) d += V[e * k1 + a] * V[o + a];
        s[rowIdx[e]] -= d;
      }
    }
    for (let c = 0; c < q2; c++) {
      const t = this.restTerm[c];
      const k = this.ks[t];
      const a = this.restCol[c];
      const base = c - a;
      const lo = lam.offsets[t];
      let v = 0;
      for (let x = a; x < k; x++) v += A[m - 1 + (base + x) * m] * Ld[lo + x + a * k];
      s[c] += v;
    }
    for (let c = q2; c < m; c++) s[c] += A[m - 1 + c * m];
    const x = s.subarray(0, m - 1);
    forwardSolve(S, m - 1, x, m);
    let d = s[m - 1];
    for (let c = 0; c < m - 1; c++) {
      S[m - 1 + c * m] = x[c];
      d -= x[c] * x[c];
    }
    const r = d > 0 ? Math.sqrt(d) : 0;
    S[m - 1 + (m - 1) * m] = r;
    this.pwrss = r * r;
  }

  /** Counts factor() calls; solve() records the one it solved for (models sharing this system read both). */
  factorId = 0;
  solvedId = -1;
  /** Whether the last factor() succeeded. */
  factored = false;

  private factorImpl(theta: ArrayLike<number>): boolean {
    if (!this.dataSet) throw new Error('PlsSystem.setData must be called before factor');
    const { m, q2, p } = this;
    const k1 = this.ks[0];
    const lam = this.re.lambdaBlocks(theta);
    this.lambda = lam;
    this.theta = Float64Array.from(theta);
    const L1 = lam.data.subarray(lam.offsets[0], lam.offsets[0] + k1 * k1);
    let logdet = 0;
    // block 1
    logdet = k1 === 1 ? this.factorBlock1Scalar(L1[0]) : this.factorBlock1(L1);
    if (Number.isNaN(logdet)) return false;
    // the resident factorization (decided once): where the Schur update is applied inside the hybrid factorization
    if (!this.residentTried && k1 === 1 && this.ordered && this.allScalarRest && this.schurGroups === null) {
      this.residentTried = true;
      this.resident = ResidentHybridCholesky.create(m, this.denseFrom, { ...this.colEntries(), rowIdx: this.rowIdx, m });
      if (this.resident) {
        this.resident.V.set(this.L21);
        this.L21 = this.resident.V;
      }
    }
    const res = this.schurGroups === null ? this.resident : null;
    // L₂₁ = Λ_rest' A₂₁ Λ₁ L₁₁⁻ᵀ, per level
    const V = this.L21;
    const scalarPath = k1 === 1 && this.allScalarRest;
    const sc = new Float64Array(m).fill(1);
    for (let i = 0; i < q2; i++) sc[i] = lam.data[lam.offsets[this.restTerm[i]]];
    if (scalarPath) this.formL21Scalar(L1[0], sc);
    else {
      V.set(this.A21);
      this.formL21(lam, L1);
    }
    // dense block: Λ_rest' A_rest Λ_rest + I (random-effects part) − L₂₁ L₂₁'
    if (res) {
      // written straight into WebAssembly memory, the Schur update and the factorization there
      const { B, mp } = res;
      scaleLower(B, this.Arest, sc, m, mp);
      for (let i = 0; i < q2; i++) B[i + i * mp] += 1;
      this.lrestStale = false;
      if (res.factor(true) >= 0) return false;
      this.lrestStale = true;
      return this.readFactorDiagonal(B, mp, logdet);
    }
    this.lrestStale = false;
    const S = this.lrest;
    let A = this.Arest;
    const grouped = this.schurGroups !== null && k1 === 1;
    if (grouped) A = this.groupedSchur(L1[0]);
    if (this.allScalarRest) scaleLower(S, A, sc, m);
    else {
      S.set(A);
      this.applyLambdaRest(S, lam);
    }
    for (let i = 0; i < q2; i++) S[i + i * m] += 1;
    const schurLater = !grouped && k1 === 1 && this.ordered;
    const fullSchur = !grouped && k1 === 1 && !this.ordered && this.fullPattern;
    const schur = !grouped && k1 === 1 && !fullSchur ? { ...this.colEntries(), rowIdx: this.rowIdx, V, m } : undefined;
    // column by column (writes stay within one column of S): entries eb with row c, times the later entries of their level
    if (schur && !schurLater) applySchurJs(S, m, schur);
    if (fullSchur) this.schurFull(S, V);
    if (!grouped && k1 !== 1) this.schurBlocks(S, V);
    const fail = this.ordered
      ? cholLowerHybrid(S, m, m, this.denseFrom, true, schurLater ? schur : undefined)
      : cholLower(S, m, m, true);
    if (fail >= 0) return false;
    return this.readFactorDiagonal(S, m, logdet);
  }

  /** log|L_Z|² (block 1's part given), log|R_X|² and PWRSS from the diagonal of the dense factor (leading dimension ld). */
  private readFactorDiagonal(S: Float64Array, ld: number, logdet1: number): boolean {
    const { m, q2, p } = this;
    let logdet = logdet1;
    for (let i = 0; i < q2; i++) logdet += 2 * Math.log(S[i + i * ld]);
    let ldrx = 0;
    for (let i = q2; i < q2 + p; i++) ldrx += 2 * Math.log(S[i + i * ld]);
    this.logdetL2 = logdet;
    this.logdetRX2 = ldrx;
    const r = S[m - 1 + (m - 1) * ld];
    this.pwrss = r * r;
    return true;
  }

  /**
   * L₁₁ for a scalar first term: L₁₁ⱼ = √(θ₁ D₁ⱼ θ₁ + 1), the same arithmetic as factorBlock1.
   * Returns log |L₁₁|², NaN when a pivot is not positive.
   */
  private factorBlock1Scalar(th: number): number {
    const D1 = this.D1, L11 = this.L11;
    const l1 = this.nLevels[0];
    let logdet = 0;
    for (let j = 0; j < l1; j++) {
      const d = th * (D1[j] * th) + 1;
      if (!(d > 0)) return NaN;
      const l = Math.sqrt(d);
      L11[j] = l;
      logdet += 2 * Math.log(l);
    }
    return logdet;
  }

  /**
   * L₁₁ per level of a first term of k₁ columns: the Cholesky factor of Λ₁'D₁ⱼΛ₁ + I (L1: Λ₁).
   * Returns log |L₁₁|², NaN when a block is not positive definite.
   */
  private factorBlock1(L1: Float64Array): number {
    const k1 = this.ks[0];
    if (k1 === 2) return this.factorBlock1Pair(L1);
    const l1 = this.nLevels[0];
    const D1 = this.D1, L11 = this.L11;
    if (this.tmpT.length !== k1 * k1) this.tmpT = new Float64Array(k1 * k1);
    const T = this.tmpT;
    let logdet = 0;
    for (let j = 0; j < l1; j++) {
      const o = j * k1 * k1;
      // T = D Λ, M = Λ' T + I (T in L₁₁'s block, then M over it)
      for (let c = 0; c < k1; c++)
        for (let r = 0; r < k1; r++) {
          let s = 0;
          for (let x = c; x < k1; x++) s += D1[o + r + x * k1] * L1[x + c * k1];
          T[r + c * k1] = s;
        }
      for (let c = 0; c < k1; c++)
        for (let r = 0; r < k1; r++) {
          let s = 0;
          for (let x = r; x < k1; x++) s += L1[x + r * k1] * T[x + c * k1];
          L11[o + r + c * k1] = s + (r === c ? 1 : 0);
        }
      if (!cholSmall(L11, o, k1)) return NaN;
      for (let a = 0; a < k1; a++) logdet += 2 * Math.log(L11[o + a + a * k1]);
    }
    return logdet;
  }
  private tmpT = new Float64Array(0);

  /**
   * factorBlock1 for a first term of two columns (an intercept and a slope): the same sums and the
   * same 2×2 Cholesky steps as cholSmall, in the same order, written out (loops over two entries cost
   * more than their arithmetic before V8 optimises them).
   */
  private factorBlock1Pair(L1: Float64Array): number {
    const l1 = this.nLevels[0];
    const D1 = this.D1, L11 = this.L11;
    const a0 = L1[0], a1 = L1[1], a3 = L1[3];
    let logdet = 0;
    for (let j = 0; j < l1; j++) {
      const o = 4 * j;
      const d0 = D1[o], d1 = D1[o + 1], d2 = D1[o + 2], d3 = D1[o + 3];
      // T = D Λ (its upper-right entry only feeds M's, which the factor overwrites)
      const t0 = 0 + d0 * a0 + d2 * a1, t1 = 0 + d1 * a0 + d3 * a1;
      const t3 = 0 + d3 * a3;
      // M = Λ' T + I, lower triangle, and its Cholesky factor as cholSmall forms it
      const m0 = 0 + a0 * t0 + a1 * t1 + 1;
      const m1 = 0 + a3 * t1 + 0;
      const m3 = 0 + a3 * t3 + 1;
      if (!(m0 > 0)) return NaN;
      const l0 = Math.sqrt(m0);
      const f1 = m1 / l0;
      const r = m3 - f1 ** 2;
      if (!(r > 0)) return NaN;
      const l3 = Math.sqrt(r);
      L11[o] = l0;
      L11[o + 1] = f1;
      L11[o + 2] = 0;
      L11[o + 3] = l3;
      logdet += 2 * Math.log(l0);
      logdet += 2 * Math.log(l3);
    }
    return logdet;
  }

  /** L₂₁ for scalar terms only: A₂₁ scaled by the rows' θ (sc) and θ₁ / L₁₁ⱼ per level. */
  private formL21Scalar(th1: number, sc: Float64Array): void {
    const V = this.L21, A21 = this.A21, rowIdx = this.rowIdx, L11 = this.L11, colPtr = this.colPtr;
    const l1 = this.nLevels[0];
    for (let j = 0; j < l1; j++) {
      const f = th1 / L11[j];
      for (let e = colPtr[j]; e < colPtr[j + 1]; e++) V[e] = A21[e] * sc[rowIdx[e]] * f;
    }
  }

  /**
   * A_rest − Σ_j A₂₁ⱼA₂₁ⱼ' θ₁²/(θ₁² d_j + 1) for a scalar first term (in schurTmp, returned): Σ_j L₂₁ⱼL₂₁ⱼ' =
   * Λ_rest' (Σ_d w_d G_d) Λ_rest with w_d = θ₁²/(θ₁² d + 1), one term per distinct d (prepareSchurGroups).
   */
  private groupedSchur(th1: number): Float64Array {
    const { m } = this;
    const { dValues, G } = this.schurGroups!;
    const T = this.schurTmp!;
    T.set(this.Arest);
    const t1 = th1 * th1;
    const mm = m * m;
    for (let g = 0; g < dValues.length; g++) {
      const w = t1 / (t1 * dValues[g] + 1);
      const o = g * mm;
      for (let c = 0; c < m; c++) {
        const cc = c * m;
        for (let i = c; i < m; i++) T[i + cc] -= w * G[o + i + cc];
      }
    }
    if (!this.allScalarRest) for (let c = 0; c < m; c++) for (let i = c + 1; i < m; i++) T[c + i * m] = T[i + c * m];
    return T;
  }

  /** L₂₁ = Λ_rest' A₂₁ Λ₁ L₁₁⁻ᵀ per level (V holds A₂₁ on entry), for a first term that is not scalar or other terms that are not. */
  private formL21(lam: { data: Float64Array; offsets: number[] }, L1: Float64Array): void {
    const k1 = this.ks[0];
    const l1 = this.nLevels[0];
    const V = this.L21;
    const vrow = new Float64Array(k1);
    const gbuf = new Float64Array(16 * k1);
    for (let j = 0; j < l1; j++) {
      const lo = j * k1 * k1;
      const e0 = this.colPtr[j], e1 = this.colPtr[j + 1];
      // left: Λ_t' on groups of k_t rows
      for (let e = e0; e < e1; ) {
        const r = this.rowIdx[e];
        const t = this.restTerm[r];
        if (t < 0) break; // X and y rows follow, unscaled
        const k = this.ks[t];
        const Lt = lam.data;
        const lo2 = lam.offsets[t];
        if (k === 1) {
          const s = Lt[lo2];
          for (let a = 0; a < k1; a++) V[e * k1 + a] *= s;
        } else {
          const g = k > 16 ? new Float64Array(k * k1) : gbuf;
          for (let c = 0; c < k; c++)
            for (let a = 0; a < k1; a++) {
              let s = 0;
              for (let x = c; x < k; x++) s += Lt[lo2 + x + c * k] * V[(e + x) * k1 + a];
              g[c * k1 + a] = s;
            }
          for (let c = 0; c < k * k1; c++) V[e * k1 + c] = g[c];
        }
        e += k;
      }
      for (let e = e0; e < e1; e++) this.level1Solve(V, V, e * k1, lo, L1, vrow);
    }
  }

  /** S −= L₂₁'L₂₁ level by level of a first term of k₁ > 1 columns. */
  private schurBlocks(S: Float64Array, V: Float64Array): void {
    const { m } = this;
    const k1 = this.ks[0];
    const l1 = this.nLevels[0];
    const colPtr = this.colPtr, rowIdx = this.rowIdx;
    for (let j = 0; j < l1; j++) {
      const e0 = colPtr[j], e1 = colPtr[j + 1];
      for (let eb = e0; eb < e1; eb++) {
        const cb = rowIdx[eb] * m;
        const ob = eb * k1;
        for (let ea = eb; ea < e1; ea++) {
          const oa = ea * k1;
          let s = 0;
          for (let a = 0; a < k1; a++) s += V[oa + a] * V[ob + a];
          S[rowIdx[ea] + cb] -= s;
        }
      }
    }
  }

  /**
   * S −= L₂₁'L₂₁ when every level of a scalar first term meets every row of the dense block (crossed
   * terms, as items and subjects): L₂₁ transposed into rows of the dense block, then contiguous dot
   * products over the first term's levels.
   */
  private schurFull(S: Float64Array, V: Float64Array): void {
    const { m } = this;
    const l1 = this.nLevels[0];
    if (this.vtBuf.length !== m * l1) this.vtBuf = new Float64Array(m * l1);
    const Vt = this.vtBuf;
    for (let j = 0; j < l1; j++) {
      const e0 = j * m; // colPtr[j] = j m: every level has all m rows, in order
      for (let r = 0; r < m; r++) Vt[r * l1 + j] = V[e0 + r];
    }
    for (let c = 0; c < m; c++) {
      const co = c * l1;
      const cc = c * m;
      for (let r = c; r < m; r++) {
        const ro = r * l1;
        let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        let j = 0;
        for (; j + 3 < l1; j += 4) {
          a0 += Vt[ro + j] * Vt[co + j];
          a1 += Vt[ro + j + 1] * Vt[co + j + 1];
          a2 += Vt[ro + j + 2] * Vt[co + j + 2];
          a3 += Vt[ro + j + 3] * Vt[co + j + 3];
        }
        for (; j < l1; j++) a0 += Vt[ro + j] * Vt[co + j];
        S[r + cc] -= a0 + a1 + (a2 + a3);
      }
    }
  }
  private vtBuf = new Float64Array(0);

  /**
   * One entry of L₂₁ for a level of term 1: out[o..o+k₁) = L₁₁⁻¹ Λ₁' src[o..o+k₁) (L₁₁ the level's
   * factor at L11[lo..], Λ₁ at L1[0..]; src may be out). vrow is scratch of length k₁.
   */
  private level1Solve(src: Float64Array, out: Float64Array, o: number, lo: number, L1: Float64Array, vrow: Float64Array): void {
    const k1 = this.ks[0];
    const L11 = this.L11;
    for (let c = 0; c < k1; c++) {
      let s = 0;
      for (let x = c; x < k1; x++) s += src[o + x] * L1[x + c * k1];
      vrow[c] = s;
    }
    for (let c = 0; c < k1; c++) {
      let s = vrow[c];
      for (let x = 0; x < c; x++) s -= L11[lo + c + x * k1] * out[o + x];
      out[o + c] = s / L11[lo + c + c * k1];
    }
  }

  /** S ← Λ' S Λ on the random-effects rows and columns of the full symmetric dense block. */
  private applyLambdaRest(S: Float64Array, lam: { data: Float64Array; offsets: number[] }): void {
    const { m, q2 } = this;
    const L = lam.data;
    const buf = new Float64Array(64);
    // left multiply: rows (terms of one and two columns written out: tiny inner loops cost more
    // than their arithmetic)
    for (let r0 = 0; r0 < q2; ) {
      const t = this.restTerm[r0];
      const k = this.ks[t];
      const lo = lam.offsets[t];
      if (k === 1) {
        const l = L[lo];
        for (let c = 0; c < m; c++) S[r0 + c * m] *= l;
      } else if (k === 2) {
        // Λ_t = [l00 0; l10 l11]: row r0 ← l00 row r0 + l10 row r0+1, row r0+1 ← l11 row r0+1
        const l00 = L[lo], l10 = L[lo + 1], l11 = L[lo + 3];
        for (let c = 0; c < m; c++) {
          const i = r0 + c * m;
          const s1 = S[i + 1];
          S[i] = l00 * S[i] + l10 * s1;
          S[i + 1] = l11 * s1;
        }
      } else {
        const g = k > 64 ? new Float64Array(k) : buf;
        for (let c = 0; c < m; c++) {
          const cc = c * m;
          for (let a = 0; a < k; a++) {
            let s = 0;
            for (let x = a; x < k; x++) s += L[lo + x + a * k] * S[r0 + x + cc];
            g[a] = s;
          }
          for (let a = 0; a < k; a++) S[r0 + a + cc] = g[a];
        }
      }
      r0 += k;
    }
    // right multiply: columns
    for (let c0 = 0; c0 < q2; ) {
      const t = this.restTerm[c0];
      const k = this.ks[t];
      const lo = lam.offsets[t];
      if (k === 1) {
        const l = L[lo];
        const o = c0 * m;
        for (let i = 0; i < m; i++) S[o + i] *= l;
      } else if (k === 2) {
        const l00 = L[lo], l10 = L[lo + 1], l11 = L[lo + 3];
        const o0 = c0 * m, o1 = o0 + m;
        for (let i = 0; i < m; i++) {
          const s1 = S[o1 + i];
          S[o0 + i] = l00 * S[o0 + i] + l10 * s1;
          S[o1 + i] = l11 * s1;
        }
      } else {
        const g = k > 64 ? new Float64Array(k) : buf;
        for (let i = 0; i < m; i++) {
          for (let a = 0; a < k; a++) {
            let s = 0;
            for (let x = a; x < k; x++) s += S[i + (c0 + x) * m] * L[lo + x + a * k];
            g[a] = s;
          }
          for (let a = 0; a < k; a++) S[i + (c0 + a) * m] = g[a];
        }
      }
      c0 += k;
    }
  }

  /** Back-substitute for β̂ (when p > 0) and the spherical conditional modes u, after factor(). */
  solve(): void {
    this.solvedId = this.factorId;
    const { m, q2, p } = this;
    const k1 = this.ks[0];
    const S = this.Lrest;
    const x = new Float64Array(m - 1);
    for (let c = 0; c < m - 1; c++) x[c] = S[m - 1 + c * m];
    backSolveT(S, m - 1, x, m);
    for (let c = 0; c < p; c++) this.beta[c] = x[q2 + c];
    for (let t = 1; t < this.ks.length; t++) {
      const k = this.ks[t], uo = this.uOffsets[t], lo = this.levelOff[t];
      for (let l = 0; l < this.nLevels[t]; l++) for (let a = 0; a < k; a++) this.u[uo + l * k + a] = x[lo[l] + a];
    }
    const V = this.L21;
    const rhs = new Float64Array(k1);
    for (let j = 0; j < this.nLevels[0]; j++) {
      const e0 = this.colPtr[j], e1 = this.colPtr[j + 1];
      const ey = e1 - 1; // the y entry is last
      for (let a = 0; a < k1; a++) rhs[a] = V[ey * k1 + a];
      for (let e = e0; e < ey; e++) {
        const xv = x[this.rowIdx[e]];
        if (xv === 0) continue;
        for (let a = 0; a < k1; a++) rhs[a] -= V[e * k1 + a] * xv;
      }
      const lo = j * k1 * k1;
      for (let c = k1 - 1; c >= 0; c--) {
        let s = rhs[c];
        for (let r = c + 1; r < k1; r++) s -= this.L11[lo + r + c * k1] * rhs[r];
        rhs[c] = s / this.L11[lo + c + c * k1];
      }
      for (let a = 0; a < k1; a++) this.u[j * k1 + a] = rhs[a];
    }
  }

  /**
   * The weighted cross products of a scalar term t with [X y], from the system's data (setData or
   * blocks): d[l] = Σ w z² over level l, c[l(p+1) + i] = Σ w z [X y]_i over level l, and the
   * (p+1)×(p+1) lower triangle C of [X y]'W[X y] (column-major). What the model with term t alone
   * (y ~ X + (1 | g_t)) needs; null when term t is not scalar or the first term is not.
   */
  scalarTermCrossProducts(t: number): { d: Float64Array; c: Float64Array; C: Float64Array } | null {
    if (!this.dataSet || this.ks[t] !== 1 || this.ks[0] !== 1) return null;
    const { m, q2, p } = this;
    const P1 = p + 1;
    const L = this.nLevels[t];
    const d = new Float64Array(L), c = new Float64Array(L * P1), C = new Float64Array(P1 * P1);
    const A = this.Arest;
    for (let b = 0; b < P1; b++) for (let a = b; a < P1; a++) C[a + b * P1] = A[q2 + a + (q2 + b) * m];
    if (t === 0) {
      d.set(this.D1);
      for (let l = 0; l < L; l++) {
        const ex = this.colPtr[l + 1] - P1; // the X and y entries close each level
        for (let i = 0; i < P1; i++) c[l * P1 + i] = this.A21[ex + i];
      }
    } else {
      const off = this.levelOff[t];
      for (let l = 0; l < L; l++) {
        const r = off[l];
        d[l] = A[r + r * m];
        for (let i = 0; i < P1; i++) c[l * P1 + i] = A[q2 + i + r * m];
      }
    }
    return { d, c, C };
  }

  /** b = Λ u (random effects on the data scale, unscaled by σ), lme4's order. */
  b(): Float64Array {
    this.requireLambda();
    return this.re.b(this.theta, this.u);
  }

  /** Z b for every observation (b from b()). */
  zb(b: Float64Array): Float64Array {
    const { n } = this;
    const out = new Float64Array(n);
    for (let t = 0; t < this.terms.length; t++) {
      const { refs, Z } = this.terms[t];
      const k = this.ks[t], uo = this.uOffsets[t];
      for (let i = 0; i < n; i++) {
        const o = uo + refs[i] * k;
        let s = 0;
        for (let a = 0; a < k; a++) s += Z[i + a * n] * b[o + a];
        out[i] += s;
      }
    }
    return out;
  }

  /** (R_X'R_X)⁻¹ = (L_XX L_XX')⁻¹, p×p column-major, after factor(). Multiply by σ² for Var(β̂). */
  unscaledVcovBeta(): Float64Array {
    const { p, m, q2 } = this;
    const li = invLower(this.Lrest, p, m, q2 + q2 * m);
    const out = new Float64Array(p * p);
    for (let a = 0; a < p; a++)
      for (let b = 0; b <= a; b++) {
        let s = 0;
        for (let i = a; i < p; i++) s += li[i + a * p] * li[i + b * p];
        out[a + b * p] = s;
        out[b + a * p] = s;
      }
    return out;
  }

  /**
   * Conditional covariance blocks of b (lme4's condVar, unscaled: multiply by σ²): for each term t a
   * Float64Array of nLevels[t] k×k blocks of Λ (L_Z L_Z')⁻¹ Λ' (random-effects part of L only).
   */
  condVarBlocks(): Float64Array[] {
    const lam = this.requireLambda();
    const { m, q2 } = this;
    const k1 = this.ks[0];
    const li = q2 > 0 ? invLower(this.Lrest, q2, m) : new Float64Array(0);
    const out: Float64Array[] = [];
    // term 1
    {
      const l1 = this.nLevels[0];
      const res = new Float64Array(l1 * k1 * k1);
      const x1 = new Float64Array(k1 * k1);
      const x2 = new Float64Array(q2 * k1);
      const Mb = new Float64Array(k1 * k1);
      const V = this.L21;
      for (let j = 0; j < (k1 === 1 ? 0 : l1); j++) {
        const lo = j * k1 * k1;
        // x1 = L₁₁⁻¹ (columns)
        x1.fill(0);
        for (let a = 0; a < k1; a++) {
          for (let c = 0; c < k1; c++) {
            let s = c === a ? 1 : 0;
            for (let r = 0; r < c; r++) s -= this.L11[lo + c + r * k1] * x1[r + a * k1];
            x1[c + a * k1] = s / this.L11[lo + c + c * k1];
          }
        }
        // x2 = -L₂₂⁻¹ L₂₁ x1
        x2.fill(0);
        for (let e = this.colPtr[j]; e < this.colPtr[j + 1]; e++) {
          const r = this.rowIdx[e];
          if (r >= q2) break;
          for (let a = 0; a < k1; a++) {
            let w = 0;
            for (let c = 0; c < k1; c++) w += V[e * k1 + c] * x1[c + a * k1];
            if (w === 0) continue;
            const col = r * q2;
            const xo = a * q2;
            for (let i = r; i < q2; i++) x2[xo + i] -= li[i + col] * w;
          }
        }
        for (let a = 0; a < k1; a++)
          for (let b = 0; b <= a; b++) {
            let s = 0;
            for (let c = 0; c < k1; c++) s += x1[c + a * k1] * x1[c + b * k1];
            const xa = a * q2, xb = b * q2;
            for (let i = 0; i < q2; i++) s += x2[xa + i] * x2[xb + i];
            Mb[a + b * k1] = s;
            Mb[b + a * k1] = s;
          }
        sandwich(lam.data, lam.offsets[0], Mb, k1, res, lo);
      }
      if (k1 === 1) this.condVarScalarFirst(li, res, lam.data[lam.offsets[0]]);
      out.push(res);
    }
    for (let t = 1; t < this.ks.length; t++) {
      const k = this.ks[t];
      const res = new Float64Array(this.nLevels[t] * k * k);
      const Mb = new Float64Array(k * k);
      for (let l = 0; l < this.nLevels[t]; l++) {
        const base = this.levelOff[t][l];
        for (let a = 0; a < k; a++)
          for (let b = 0; b <= a; b++) {
            const ia = base + a, ib = base + b;
            let s = 0;
            for (let i = ia; i < q2; i++) s += li[i + ia * q2] * li[i + ib * q2];
            Mb[a + b * k] = s;
            Mb[b + a * k] = s;
          }
        sandwich(lam.data, lam.offsets[t], Mb, k, res, l * k * k);
      }
      out.push(res);
    }
    return out;
  }

  /**
   * condVarBlocks for a scalar first term: per level, λ² (1/L₁₁² + ‖L₂₂⁻¹ L₂₁ⱼ/L₁₁‖²) with li = L₂₂⁻¹.
   * The level's rows of L₂₁ are sorted, so x = L₂₂⁻¹ v is zero above the first and is formed two
   * columns of li at a time (each pass over x serves two entries).
   */
  private condVarScalarFirst(li: Float64Array, res: Float64Array, lambda: number): void {
    const { q2, colPtr, rowIdx, L11 } = this;
    const V = this.L21;
    const x = new Float64Array(q2);
    for (let j = 0; j < this.nLevels[0]; j++) {
      const x1 = 1 / L11[j];
      const e0 = colPtr[j];
      let e1 = e0;
      while (e1 < colPtr[j + 1] && rowIdx[e1] < q2) e1++;
      let s = x1 * x1;
      if (e1 > e0) {
        const rmin = rowIdx[e0];
        x.fill(0, rmin, q2);
        let e = e0;
        for (; e + 1 < e1; e += 2) {
          const ra = rowIdx[e], rb = rowIdx[e + 1];
          const wa = V[e] * x1, wb = V[e + 1] * x1;
          const ca = ra * q2, cb = rb * q2;
          for (let i = ra; i < rb; i++) x[i] -= li[i + ca] * wa;
          for (let i = rb; i < q2; i++) x[i] -= li[i + ca] * wa + li[i + cb] * wb;
        }
        if (e < e1) {
          const r = rowIdx[e], w = V[e] * x1, c = r * q2;
          for (let i = r; i < q2; i++) x[i] -= li[i + c] * w;
        }
        let t = 0;
        for (let i = rmin; i < q2; i++) t += x[i] * x[i];
        s += t;
      }
      res[j] = lambda * s * lambda;
    }
  }

  private requireLambda(): { data: Float64Array; offsets: number[] } {
    if (!this.lambda) throw new Error('PlsSystem.factor must be called first');
    return this.lambda;
  }
}

/** Lower triangle of S = diag(sc) A diag(sc) (m×m, column-major; S with leading dimension lds): Λ' A Λ when every Λ_t is a scalar. */
function scaleLower(S: Float64Array, A: Float64Array, sc: Float64Array, m: number, lds = m): void {
  for (let c = 0; c < m; c++) {
    const scc = sc[c], cc = c * m, sco = c * lds;
    for (let i = c; i < m; i++) S[i + sco] = A[i + cc] * sc[i] * scc;
  }
}

/** The cells of the pairs (term 1, term t) grouped by level of term 1: term t, its level, and where Z₁'Z_t of the cell is. */
function blocksCellsByLevel(B: PlsBlocks, l1: number): { ptr: Int32Array; term: Int32Array; level: Int32Array; values: Float64Array[]; offset: Int32Array } {
  const firsts = B.pairs.filter((pr) => pr.s === 0);
  const ptr = new Int32Array(l1 + 1);
  for (const pr of firsts) for (let c = 0; c < pr.ls.length; c++) ptr[pr.ls[c] + 1]++;
  for (let j = 0; j < l1; j++) ptr[j + 1] += ptr[j];
  const total = ptr[l1];
  const term = new Int32Array(total), level = new Int32Array(total), offset = new Int32Array(total);
  const values: Float64Array[] = new Array(total);
  const pos = ptr.slice(0, l1);
  for (const pr of firsts) {
    const size = pr.zz.length / Math.max(1, pr.ls.length);
    for (let c = 0; c < pr.ls.length; c++) {
      const e = pos[pr.ls[c]]++;
      term[e] = pr.t;
      level[e] = pr.lt[c];
      values[e] = pr.zz;
      offset[e] = c * size;
    }
  }
  return { ptr, term, level, values, offset };
}

/** out[o..] = Λ M Λ' for k×k Λ (lower, at lam[lo..]) and symmetric M. */
function sandwich(lam: Float64Array, lo: number, M: Float64Array, k: number, out: Float64Array, o: number): void {
  for (let a = 0; a < k; a++)
    for (let b = 0; b < k; b++) {
      let s = 0;
      for (let x = 0; x <= a; x++)
        for (let y = 0; y <= b; y++) s += lam[lo + a + x * k] * M[x + y * k] * lam[lo + b + y * k];
      out[o + a + b * k] = s;
    }
}

/** Σ (w_i a[ao + i]) (w_i b[bo + i]) over i = order[s], s0 ≤ s < s1, in that order (w_i = 1 when w is null). */
function crossOrdered(a: Float64Array, ao: number, b: Float64Array, bo: number, w: Float64Array | null, order: Int32Array, s0: number, s1: number): number {
  let sum = 0;
  if (w)
    for (let s = s0; s < s1; s++) {
      const i = order[s];
      const wi = w[i];
      sum += wi * a[ao + i] * (wi * b[bo + i]);
    }
  else
    for (let s = s0; s < s1; s++) {
      const i = order[s];
      sum += a[ao + i] * b[bo + i];
    }
  return sum;
}
