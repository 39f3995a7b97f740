/**
 * The engine calls the CLI makes: CSV -> data table (with the document's derive:, factors:,
 * levels:), then per model: ModelFrame -> fit -> tests. All of it is the engine's own API.
 */
import type { FitHooks } from '../hooks';
import { readCsv } from '../data';
import type { DataTable } from '../data/types';
import { applyDocument } from '../frame/table';
import { buildModelFrame } from '../frame/modelframe';
import type { ModelFrame } from '../frame/types';
import type { MlmDocument, ModelDecl } from '../mlmfile';
import { modelSettings } from '../mlmfile/spec';
import type { FitResult } from '../result';
import { LinearMixedModel } from '../lmm';
import { fitGlmm } from '../glmm';
import { withTests } from '../inference/satterthwaite';

export interface LoadedData {
  table: DataTable;
}

export interface FittedModel {
  frame: ModelFrame;
  result: FitResult;
}

/** Reads the CSV text and applies the document's column declarations. Throws MlmError. */
export function loadTable(doc: MlmDocument, csvText: string, csvName: string): LoadedData {
  return { table: applyDocument(doc, readCsv(csvText, csvName)) };
}

/** Builds the model frame and fits one declared model. Throws MlmError for bad input. */
export async function fitDeclaredModel(doc: MlmDocument, data: LoadedData, model: ModelDecl, hooks?: FitHooks): Promise<FittedModel> {
  const frame = buildModelFrame(doc, model, data.table, { prepared: true });
  const s = modelSettings(model);
  if (s.family === 'gaussian') {
    // as fitLmm, keeping the model for the Satterthwaite df (lmerTest's t tests)
    const lmm = new LinearMixedModel(frame, { REML: s.REML });
    const result = await lmm.fit(hooks, model.name);
    return { frame, result: await withTests(result, lmm) };
  }
  const result = await fitGlmm(frame, { nAGQ: s.nAGQ, id: model.name }, hooks);
  return { frame, result: await withTests(result) };
}
