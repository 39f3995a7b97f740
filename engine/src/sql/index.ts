/** Data beyond memory: the SqlRunner contract, the query compiler and the fit from cross-product blocks. */
export * from './runner';
export { DIALECTS, dialectOf, isDialectName, type SqlDialect } from './dialect';
export { compilePlan, designOf, blocksQuery, levelsQuery, sampleQuery, centresQuery, designMeta, META_COLUMN, type DesignMeta, type BlocksPlan, type Design, type KeyLevels } from './compile';
export { frameFromBlocks } from './read';
export { fitFromSql, fitFromBlocksFile, fitFromBlocksResult, compileFromSql, compileBlocksQuery, type SqlFit, type SqlFitOptions } from './fit';
export { designFromTable, tableColumns } from './table';
export { readSqlTable, readSqlColumns, type SqlColumnPlan } from './readtable';
export { readCsvSql, csvLineCount, csvTextRelation, CSV_RARE_MAX, type CsvSqlSource, type CsvSqlResult } from './csvread';
