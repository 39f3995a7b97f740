/**
 * Profile-likelihood intervals for GLMMs, as lme4's confint(method = "profile") on a glmer fit:
 * the deviance is glmer's stage-2 criterion of (θ, β) (Laplace, or adaptive Gauss-Hermite when
 * nAGQ > 1) with the conditional modes found by PIRLS; random-effect parameters on the sd/cor scale
 * (no σ); each parameter held fixed in turn while all others (other sds/cors and all β) are
 * re-optimised. ζ and the root finding as in ./profile.
 */
import { MlmError } from '../diagnostics';
import { Ticker, type FitHooks } from '../hooks';
import type { FitResult } from '../result';
import type { GlmmDeviance } from '../glmm/fit';
import { minimize } from '../optim/bobyqa';
import { qnorm } from './distributions';
import { fromFree, sdCorToTheta, solveSide, thetaToSdCor, toFree, varParSpecs, type ConfintTable, type ProfileOptions } from './profile';

type Kind = 'sd' | 'cor' | 'beta';

export async function profileConfintGlmm(model: GlmmDeviance, result: FitResult, opts: ProfileOptions = {}, hooks?: FitHooks): Promise<ConfintTable> {
  if (result.family === 'gaussian') throw new MlmError({ code: 'profile-lmm', message: 'Use profileConfint for linear mixed models.' });
  const frame = model.frame;
  const level = opts.level ?? 0.95;
  const z = qnorm((1 + level) / 2);
  const ticker = new Ticker(hooks);
  const rule = model.rule;
  const ks = frame.reTerms.map((t) => t.k);
  const nt = model.nTheta;
  const dev = (theta: number[], beta: number[]): number => model.deviance([...theta, ...beta]);

  // the optimum: start from the fit and polish (so every ζ is measured from the same minimum)
  const x0 = [...result.theta, ...frame.coefnames.map((c) => result.fixef[c])];
  const lower = [...model.thetaLower(), ...frame.coefnames.map(() => -Infinity)];
  const opt = await minimize((x) => dev(Array.from(x.subarray(0, nt)), Array.from(x.subarray(nt))), x0, lower, lower.map(() => Infinity), {
    ticker,
    rhobeg: 0.02,
    rhoend: 1e-7,
    stage: 'profile: optimum',
  });
  const base = opt.fval;
  const thetaHat = opt.x.slice(0, nt);
  const betaHat = opt.x.slice(nt);
  const specs = varParSpecs(frame).filter((s) => s.kind !== 'sigma');
  const sd = thetaToSdCor(ks, thetaHat, 1);
  sd.pop();
  const kinds: Kind[] = [...specs.map((s) => s.kind as Kind), ...frame.coefnames.map(() => 'beta' as Kind)];
  const parHat = [...sd, ...betaHat];
  const nv = specs.length;
  const names = [...specs.map((_, i) => `.sig${String(i + 1).padStart(2, '0')}`), ...frame.coefnames];
  const labels = [...specs.map((s) => s.label), ...frame.coefnames];
  const devAt = (par: number[]): number => {
    const tp = sdCorToTheta(ks, [...par.slice(0, nv), 1]);
    if (!tp) return Infinity;
    return dev(tp.theta, par.slice(nv));
  };
  const free = (k: Kind, v: number) => (k === 'beta' ? v : toFree(k, v));
  const unfree = (k: Kind, u: number) => (k === 'beta' ? u : fromFree(k, u));
  const lowerOut: (number | null)[] = names.map(() => null);
  const upperOut: (number | null)[] = names.map(() => null);
  const wanted = (nm: string) => !opts.which || opts.which.includes(nm);
  const total = names.filter(wanted).length;
  let done = 0;
  // Wald-type scale of each β for the first step
  const se = frame.coefnames.map((c) => result.se[c] ?? 0.1);

  for (let w = 0; w < names.length; w++) {
    if (!wanted(names[w])) continue;
    hooks?.onProgress?.({ stage: `profile ${names[w]}`, evaluations: 0, fraction: done / total });
    const others = parHat.map((_, i) => i).filter((i) => i !== w);
    const startHat = others.map((i) => free(kinds[i], parHat[i]));
    let start = startHat.slice();
    const zeta = async (x: number): Promise<number> => {
      const f = (u: Float64Array): number => {
        const par = parHat.slice();
        par[w] = x;
        others.forEach((i, j) => (par[i] = unfree(kinds[i], u[j])));
        return devAt(par);
      };
      const r = await minimize(f, start, others.map(() => -Infinity), others.map(() => Infinity), { ticker, rhobeg: 0.05, rhoend: 1e-7, stage: `profile ${names[w]}` });
      start = r.x;
      return Math.sign(x - parHat[w]) * Math.sqrt(Math.max(0, r.fval - base));
    };
    const k = kinds[w];
    if (k === 'beta') {
      const sc = { toU: (x: number) => x, fromU: (u: number) => u, uMin: -Infinity, uMax: Infinity, step: z * se[w - nv] };
      lowerOut[w] = await solveSide(zeta, parHat[w], -1, -z, sc);
      start = startHat.slice();
      upperOut[w] = await solveSide(zeta, parHat[w], 1, z, sc);
    } else if (k === 'cor') {
      const sc = { toU: (x: number) => Math.atanh(Math.max(-1, Math.min(1, x))), fromU: (u: number) => Math.tanh(u), uMin: -Math.atanh(0.9999999), uMax: Math.atanh(0.9999999), step: 0.2 };
      const lo = await solveSide(zeta, parHat[w], -1, -z, sc);
      lowerOut[w] = lo !== null && lo <= -0.9999999 ? -1 : lo;
      start = startHat.slice();
      const hi = await solveSide(zeta, parHat[w], 1, z, sc);
      upperOut[w] = hi !== null && hi >= 0.9999999 ? 1 : hi;
    } else {
      const est = Math.max(parHat[w], 1e-6);
      const sc = { toU: (x: number) => Math.log(x), fromU: (u: number) => Math.exp(u), uMin: Math.log(est * 1e-6), uMax: Infinity, step: 0.1 };
      if (parHat[w] > 1e-8) {
        const lo = await solveSide(zeta, parHat[w], -1, -z, sc);
        lowerOut[w] = lo !== null && lo <= Math.exp(sc.uMin) * 1.0000001 ? 0 : lo;
      } else lowerOut[w] = 0;
      start = startHat.slice();
      upperOut[w] = await solveSide(zeta, est, 1, z, sc);
    }
    done++;
  }
  hooks?.onProgress?.({ stage: 'profile', evaluations: 0, fraction: 1 });
  const keep = names.map(wanted);
  const pick = <T>(a: T[]) => a.filter((_, i) => keep[i]);
  return {
    method: 'profile',
    level,
    names: pick(names),
    labels: pick(labels),
    estimates: pick(parHat),
    lower: pick(lowerOut),
    upper: pick(upperOut),
    notes: [rule ? `Profiles of the adaptive Gauss-Hermite deviance (nAGQ = ${result.nAGQ}).` : 'Profiles of the Laplace deviance.'],
  };
}
