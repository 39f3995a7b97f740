/**
 * A small seeded pseudo-random generator (xoshiro128**, seeded through splitmix32) with the
 * samplers the parametric bootstrap needs: uniform, standard normal (Marsaglia's polar method),
 * binomial (inversion) and Poisson (inversion for small means, Hörmann's PTRS otherwise).
 * Same seed, same stream, on every platform: only 32-bit integer arithmetic is used for the state.
 */
import { lgamma } from './distributions';

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null = null;

  constructor(seed: number) {
    let x = (Math.floor(seed) >>> 0) ^ 0x9e3779b9;
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform on the open interval (0, 1), 53 random bits. */
  uniform(): number {
    for (;;) {
      const hi = this.nextUint32() >>> 5; // 27 bits
      const lo = this.nextUint32() >>> 6; // 26 bits
      const u = (hi * 67108864 + lo) / 9007199254740992;
      if (u > 0) return u;
    }
  }

  /** Standard normal deviate (Marsaglia polar method). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const f = Math.sqrt((-2 * Math.log(s)) / s);
        this.spare = v * f;
        return u * f;
      }
    }
  }

  /** Binomial(n, p) deviate by inversion (sequential search over the cdf on the smaller-p side). */
  binomial(n: number, p: number): number {
    if (n <= 0 || p <= 0) return 0;
    if (p >= 1) return n;
    const flip = p > 0.5;
    const q = flip ? 1 - p : p;
    let k: number;
    if (n * q < 500) {
      const r = q / (1 - q);
      let prob = Math.exp(n * Math.log1p(-q));
      let cdf = prob;
      const u = this.uniform();
      k = 0;
      while (u > cdf && k < n) {
        prob *= (r * (n - k)) / (k + 1);
        k++;
        cdf += prob;
        if (prob === 0 && cdf < u) break; // numerical exhaustion: accept
      }
    } else {
      // very large n·p: sum of two half-size draws keeps the search short
      const h = Math.floor(n / 2);
      k = this.binomial(h, q) + this.binomial(n - h, q);
    }
    return flip ? n - k : k;
  }

  /** Gamma(shape, scale) deviate (Marsaglia and Tsang 2000; shape < 1 by the boost u^(1/shape)). */
  gamma(shape: number, scale: number): number {
    if (!(shape > 0) || !(scale > 0)) return NaN;
    if (shape < 1) return this.gamma(shape + 1, scale) * Math.pow(this.uniform(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniform();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v * scale;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
    }
  }

  /** Inverse Gaussian deviate with mean mu and dispersion phi (variance phi mu³): Michael, Schucany and Haas (1976). */
  inverseGaussian(mu: number, phi: number): number {
    const lambda = 1 / phi;
    const z = this.normal();
    const y = z * z;
    const x = mu + (mu * mu * y) / (2 * lambda) - (mu / (2 * lambda)) * Math.sqrt(4 * mu * lambda * y + mu * mu * y * y);
    return this.uniform() <= mu / (mu + x) ? x : (mu * mu) / x;
  }

  /** Poisson(lambda) deviate. */
  poisson(lambda: number): number {
    if (!(lambda > 0)) return 0;
    if (lambda < 10) {
      const u = this.uniform();
      let prob = Math.exp(-lambda);
      let cdf = prob;
      let k = 0;
      while (u > cdf && k < 1000) {
        k++;
        prob *= lambda / k;
        cdf += prob;
      }
      return k;
    }
    // PTRS (Hörmann 1993): transformed rejection with squeeze
    const slam = Math.sqrt(lambda);
    const loglam = Math.log(lambda);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const U = this.uniform() - 0.5;
      const V = this.uniform();
      const us = 0.5 - Math.abs(U);
      const k = Math.floor(((2 * a) / us + b) * U + lambda + 0.43);
      if (us >= 0.07 && V <= vr) return k;
      if (k < 0 || (us < 0.013 && V > us)) continue;
      if (Math.log(V) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - lgamma(k + 1)) return k;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
