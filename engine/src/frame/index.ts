export * from './types';
export { buildModelFrame, buildModelFrameAsync, buildFromStructure, orderReTerms, type BuildOptions } from './modelframe';
export { modelStructure, identifiersOf, type ModelStructure } from './structure';
export { applyDocument } from './table';
export { analyzeModel, analyzePrepared, analyzePreparedAsync, unknownColumns } from './analyze';
export { frameVariables, documentVariables, documentColumns, type VariableUse, type VariableRole } from './variables';
export { prepareModels, prepareDocument, loadData, fitSpecOf, modelKeyError, type PreparedDocument, type PreparedModel, type PrepareOptions } from './prepare';
export { randomTerms, findBars, noBars, type RandomTermSpec } from './bars';
export { buildModelMatrix, independentColumns, type ModelMatrix } from './modelmatrix';
