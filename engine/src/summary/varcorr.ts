/**
 * The "Random effects:" table as lme4's formatVC prints it: Groups, Name, Variance, Std.Dev.
 * and, when some group has more than one term, the lower triangle of each group's correlation
 * matrix (2 decimals) in columns Corr, "", ...
 */
import type { VarCorrRow } from '../result';
import { formatR, roundR } from './rformat';
import { printCharMatrix } from './rprint';

export interface VcBlock {
  group: string;
  terms: string[];
  sd: number[];
  /** corr[i][j], full symmetric with unit diagonal. */
  corr: number[][];
}

/** Groups the reference-style varcorr rows into blocks (one per grouping term, in order) and the residual SD. */
export function varCorrBlocks(rows: VarCorrRow[]): { blocks: VcBlock[]; residualSd: number | null } {
  const blocks: VcBlock[] = [];
  let residualSd: number | null = null;
  let current: VcBlock | null = null;
  for (const r of rows) {
    if (r.grp === 'Residual' && (r.var1 === null || r.var1 === undefined)) {
      residualSd = r.sdcor;
      current = null;
      continue;
    }
    if (r.var2 === null || r.var2 === undefined) {
      if (!current || current.group !== r.grp || current.terms.includes(r.var1 ?? '')) {
        current = { group: r.grp, terms: [], sd: [], corr: [] };
        blocks.push(current);
      }
      current.terms.push(r.var1 ?? '');
      current.sd.push(r.sdcor);
    }
  }
  for (const b of blocks) {
    const k = b.terms.length;
    b.corr = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? 1 : 0)));
  }
  for (const r of rows) {
    if (r.var2 === null || r.var2 === undefined) continue;
    const b = blocks.find((x) => x.group === r.grp && x.terms.includes(r.var1 ?? '') && x.terms.includes(r.var2 ?? ''));
    if (!b) continue;
    const i = b.terms.indexOf(r.var1 ?? '');
    const j = b.terms.indexOf(r.var2);
    b.corr[i][j] = r.sdcor;
    b.corr[j][i] = r.sdcor;
  }
  return { blocks, residualSd };
}

/** formatVC's formatted cells (before they are laid out as text). */
export interface VarCorrCells {
  colNames: string[];
  /** One row per printed line: Groups (blank on a group's later terms), Name, Variance, Std.Dev., then the Corr columns. */
  cells: string[][];
  /** The grouping factor of each row, also where the printed Groups cell is blank ('Residual' for the residual). */
  groups: string[];
}

/** The lines of formatVC's table (digits as summary passes them: 4). */
export function formatVarCorr(rows: VarCorrRow[], useScale: boolean, digits = 4): string[] {
  const { colNames, cells } = varCorrCells(rows, useScale, digits);
  return printCharMatrix(cells.map(() => ''), colNames, cells, { right: false });
}

/** The cells of formatVC's table: variances and standard deviations each formatted as one column, correlations to 2 decimals. */
export function varCorrCells(rows: VarCorrRow[], useScale: boolean, digits = 4): VarCorrCells {
  const fullGroups: string[] = [];
  const { blocks, residualSd } = varCorrBlocks(rows);
  const groups: string[] = [];
  const names: string[] = [];
  const sds: number[] = [];
  for (const b of blocks) {
    b.terms.forEach((t, i) => {
      groups.push(i === 0 ? b.group : '');
      fullGroups.push(b.group);
      names.push(t);
      sds.push(b.sd[i]);
    });
  }
  if (useScale && residualSd !== null) {
    groups.push('Residual');
    fullGroups.push('Residual');
    names.push('');
    sds.push(residualSd);
  }
  const variance = formatR(sds.map((s) => s * s), digits);
  const stddev = formatR(sds, digits);
  const colNames = ['Groups', 'Name', 'Variance', 'Std.Dev.'];
  const cells = groups.map((g, i) => [g, names[i], variance[i], stddev[i]]);

  const maxlen = Math.max(0, ...blocks.map((b) => b.terms.length));
  if (maxlen > 1) {
    const dig = Math.max(2, digits - 2);
    const corrRows: string[][] = [];
    for (const b of blocks) {
      const k = b.terms.length;
      const flat: number[] = [];
      for (let j = 0; j < k; j++) for (let i = 0; i < k; i++) flat.push(roundR(b.corr[i][j], dig));
      const f = formatR(flat, 7, dig);
      for (let i = 0; i < k; i++) {
        const row: string[] = [];
        for (let j = 0; j < maxlen - 1; j++) row.push(j < i ? f[j * k + i] : '');
        corrRows.push(row);
      }
    }
    while (corrRows.length < cells.length) corrRows.push(new Array<string>(maxlen - 1).fill(''));
    cells.forEach((c, i) => c.push(...corrRows[i]));
    colNames.push('Corr', ...new Array<string>(maxlen - 2).fill(''));
  }
  return { colNames, cells, groups: fullGroups };
}
