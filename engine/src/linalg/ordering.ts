/**
 * Fill-reducing ordering: exact minimum degree on a graph held as bitsets (fine for the few thousand
 * nodes of a dense Schur-complement block). Ties go to the lowest index.
 */

/** A symmetric adjacency structure on `n` nodes as bitsets. */
export class BitGraph {
  readonly n: number;
  readonly words: number;
  readonly bits: Uint32Array;
  constructor(n: number) {
    this.n = n;
    this.words = (n + 31) >>> 5;
    this.bits = new Uint32Array(n * this.words);
  }
  /** Connect every pair of the given nodes (a clique). */
  addClique(nodes: ArrayLike<number>): void {
    const { words, bits } = this;
    for (let x = 0; x < nodes.length; x++) {
      const o = nodes[x] * words;
      for (let y = 0; y < nodes.length; y++) {
        if (x === y) continue;
        const b = nodes[y];
        bits[o + (b >>> 5)] |= 1 << (b & 31);
      }
    }
  }
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * Elimination order (a permutation of 0..n-1) by minimum degree; `degree[s]` is the degree of the
 * node eliminated at step s (the number of off-diagonal nonzeros of that column of the factor).
 */
export function minimumDegreeOrder(g: BitGraph): { order: Int32Array; degree: Int32Array } {
  const { n, words } = g;
  const adj = g.bits.slice();
  const alive = new Uint32Array(words);
  for (let i = 0; i < n; i++) alive[i >>> 5] |= 1 << (i & 31);
  const deg = new Int32Array(n);
  const degreeOf = (v: number): number => {
    let d = 0;
    const o = v * words;
    for (let w = 0; w < words; w++) d += popcount(adj[o + w] & alive[w]);
    return d;
  };
  for (let v = 0; v < n; v++) deg[v] = degreeOf(v);
  const done = new Uint8Array(n);
  const order = new Int32Array(n);
  const elimDeg = new Int32Array(n);
  const nb: number[] = [];
  for (let step = 0; step < n; step++) {
    let best = -1;
    let bd = Infinity;
    for (let v = 0; v < n; v++) if (!done[v] && deg[v] < bd) {
      bd = deg[v];
      best = v;
    }
    if (bd === n - step - 1) {
      // every remaining node is adjacent to every other: the rest stays a clique whatever is
      // eliminated, so the loop would take the nodes in index order with degrees bd, bd - 1, …, 0
      for (let v = 0, s = step; v < n; v++) if (!done[v]) {
        order[s] = v;
        elimDeg[s] = n - s - 1;
        s++;
      }
      break;
    }
    order[step] = best;
    elimDeg[step] = bd;
    done[best] = 1;
    alive[best >>> 5] &= ~(1 << (best & 31));
    nb.length = 0;
    const ob = best * words;
    for (let w = 0; w < words; w++) {
      let x = adj[ob + w] & alive[w];
      while (x !== 0) {
        const t = x & -x;
        nb.push((w << 5) + (31 - Math.clz32(t)));
        x ^= t;
      }
    }
    for (const a of nb) {
      const oa = a * words;
      for (let w = 0; w < words; w++) adj[oa + w] |= adj[ob + w];
      adj[oa + (a >>> 5)] &= ~(1 << (a & 31));
      deg[a] = degreeOf(a);
    }
  }
  return { order, degree: elimDeg };
}
