/** Resolved settings of a model declaration (defaults applied). */
import type { FamilyName, LinkName } from '../frame/types';
import { DEFAULT_LINK } from './keys';
import type { ModelDecl } from './types';
import type { DfMethod } from './keys';

export interface ModelSettings {
  family: FamilyName;
  link: LinkName;
  /** REML for gaussian models unless `method: ML`; always false for binomial/poisson. */
  REML: boolean;
  nAGQ: number;
  /** Denominator df method of the t tests when `df:` is given (the fit's default otherwise). */
  df?: DfMethod;
}

export function modelSettings(m: ModelDecl): ModelSettings {
  const family = m.family?.value ?? 'gaussian';
  const link = (m.link?.value ?? DEFAULT_LINK[family]) as LinkName;
  const REML = family === 'gaussian' ? (m.method?.value ?? 'REML') === 'REML' : false;
  const nAGQ = family === 'gaussian' ? 1 : (m.nAGQ?.value ?? 1);
  return { family, link, REML, nAGQ, ...(m.df ? { df: m.df.value } : {}) };
}
