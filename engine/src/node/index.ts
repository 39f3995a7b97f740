/**
 * The engine's node-only adapters (native modules, files, the system's temp folder): the embedded DuckDB
 * runner and `data:` through it. Only engine/src/cli and server/src/node import this entry; the pure engine
 * never does (test/unit/boundaries.test.ts).
 */
export { DuckDbRunner, duckDbUnavailable, loadDuckDb, sqlIdent, sqlString, toMlmError, type DuckDbOptions, type DuckDbColumnData } from './duckdb';
export { dataFiles, loadSqlData, locateDataError, routeOf, sqlRelation, type SqlData, type SqlDataOptions } from './table';
export { collapsePlan, collapseRows, fitCollapsedGlmm, uncollapsedResult, type CollapsePlan, type Collapsed, type CollapsedFit } from './collapse';
export { fitDuckDbModel, type DuckDbSource } from './sqlfit';
