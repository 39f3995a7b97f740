/**
 * Test helpers for the client renderers: lme4's reference fits (normalised from R's scalar-for-
 * 1-vector JSON) completed with the FitResult extras. Fitted values, residuals and plot data are
 * computed by arithmetic from the reference estimates and the data (sleepstudy: b0 + u0 + (b1 + u1)·Days;
 * rats: plogis(b0 + u)), never from our engine.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FitResult } from '../../engine/src/result';
import { loadReference, referenceAsFitResult } from '../conformance/harness';
import { coefficientRows, iccGroupRows, intervalMethod } from '../../engine/src/inference/coefficients';
import { interpretFixedEffect, interpretIcc, interpretVarCorr } from '../../engine/src/inference/interpret';
import { icc } from '../../engine/src/inference/variance';
import { ranefIntervals } from '../../engine/src/inference/ranef';
import { plotFigures } from '../../engine/src/plotfigures';
import { effectFigures, type EffectFigure } from '../../engine/src/effects';
import { asymptoticContrastDf } from '../../engine/src/inference/dfmethod';
import { prepareModels } from '../../engine/src/frame/prepare';

const root = process.env.MLM_ROOT ?? join(__dirname, '..', '..');
const refDir = join(root, 'test', 'fixtures', 'reference');

export function readCsv(name: string): { header: string[]; rows: string[][] } {
  const text = readFileSync(join(refDir, 'data', name), 'utf8').trim();
  const lines = text.split(/\r?\n/).map((l) => l.split(',').map((c) => c.replace(/^"|"$/g, '')));
  return { header: lines[0], rows: lines.slice(1) };
}

export function loadReferenceFit(name: string): FitResult {
  const fit: FitResult = referenceAsFitResult(loadReference(name));
  const formula = fit.formula;
  if (name.startsWith('sleepstudy_') && formula.includes('Days |')) completeSleepstudy(fit);
  if (name.startsWith('rats_')) completeRats(fit);
  return withEngineExtras(fit);
}

/**
 * What the engine's fit pipeline adds to a result (inference/enrich.ts, plotdata.ts), computed by the
 * engine's own functions from the reference figures: the panel only displays these.
 */
export function withEngineExtras(fit: FitResult): FitResult {
  const iccResult = icc(fit);
  fit.coefficients = coefficientRows(fit);
  fit.intervalMethod = intervalMethod(fit);
  fit.iccGroups = iccGroupRows(fit, iccResult);
  fit.ranefIntervals = ranefIntervals(fit);
  fit.interpretation = {
    fixef: Object.fromEntries(fit.coefnames.map((c) => [c, interpretFixedEffect(fit, c)])),
    varcorr: fit.varcorr.map((r) => interpretVarCorr(fit, { ...r, var2: r.var2 ?? null })),
    ...(iccResult.applicable ? { icc: interpretIcc(fit, iccResult) } : {}),
  };
  if (fit.plotData) fit.plotData.figures = plotFigures(fit, fit.plotData);
  if (fit.plotData?.figures && fit.formula.startsWith('Reaction ~ Days')) fit.plotData.figures.effects = sleepstudyEffects(fit);
  return fit;
}

/** The effect plot of a sleepstudy reference fit, by the engine's reference grid with the reference estimates (z bands: no model object). */
function sleepstudyEffects(fit: FitResult): EffectFigure[] {
  const csv = readFileSync(join(refDir, 'data', 'sleepstudy.csv'), 'utf8');
  const prep = prepareModels(`data: s.csv\nmodel m:\n  formula: ${fit.formula}\n`, () => csv);
  const frame = prep.models[0].frame!;
  return effectFigures({ model: prep.models[0].decl, table: prep.table!, frame, result: fit, dfMethod: asymptoticContrastDf(fit) });
}

function completeSleepstudy(fit: FitResult): void {
  const { rows } = readCsv('sleepstudy.csv');
  const b = fit.ranef[0];
  const y = rows.map((r) => Number(r[0]));
  const days = rows.map((r) => Number(r[1]));
  const g = rows.map((r) => b.levels.indexOf(r[2]));
  const k1 = b.terms.indexOf('Days');
  fit.fitted = y.map((_, i) => fit.fixef['(Intercept)'] + b.values[0][g[i]] + (fit.fixef.Days + (k1 >= 0 ? b.values[k1][g[i]] : 0)) * days[i]);
  fit.residuals = y.map((v, i) => v - fit.fitted![i]);
  fit.rows = y.map((_, i) => i);
  fit.plotData = { y, weights: null, groups: { Subject: g }, covariates: { Days: days }, xMeans: { '(Intercept)': 1, Days: 4.5 } };
}

function completeRats(fit: FitResult): void {
  const { rows } = readCsv('rats.csv');
  const b = fit.ranef[0];
  const m = rows.map((r) => Number(r[1]));
  const n = rows.map((r) => Number(r[2]));
  const g = rows.map((r) => b.levels.indexOf(r[0]));
  const y = m.map((v, i) => v / n[i]);
  fit.fitted = y.map((_, i) => 1 / (1 + Math.exp(-(fit.fixef['(Intercept)'] + b.values[0][g[i]]))));
  fit.residuals = y.map((v, i) => v - fit.fitted![i]);
  fit.rows = y.map((_, i) => i);
  fit.plotData = { y, weights: n, groups: { batch: g }, covariates: {}, xMeans: { '(Intercept)': 1 } };
}
