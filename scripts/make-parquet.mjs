// Writes the small Parquet files of examples/ and test/fixtures/parquet/ from the CSVs beside them, with the
// same duckdb-wasm (DuckDB 0.9.1) the web language server reads them with. Usage: node scripts/make-parquet.mjs
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const duckdb = require('@duckdb/duckdb-wasm/dist/duckdb-node-blocking.cjs');
const dist = dirname(require.resolve('@duckdb/duckdb-wasm/dist/duckdb-node-blocking.cjs'));
const db = await duckdb.createDuckDB(
  { mvp: { mainModule: join(dist, 'duckdb-mvp.wasm'), mainWorker: '' }, eh: { mainModule: join(dist, 'duckdb-eh.wasm'), mainWorker: '' } },
  new duckdb.VoidLogger(),
  duckdb.NODE_RUNTIME,
);
await db.instantiate(() => {});
db.open({});
const c = db.connect();
c.query('SET autoinstall_known_extensions = false');
c.query('SET autoload_known_extensions = false');
const fixtures = join(root, 'test/fixtures/parquet');
mkdirSync(fixtures, { recursive: true });
const copy = (select, out) => c.query(`COPY (${select}) TO '${out}' (FORMAT parquet)`);
const sleep = `SELECT Reaction::DOUBLE AS Reaction, Days::INTEGER AS Days, Subject::VARCHAR AS Subject
  FROM read_csv('${join(root, 'examples/sleepstudy.csv')}', auto_detect = true, all_varchar = true)`;
copy(sleep, join(root, 'examples/sleepstudy.parquet'));
copy(sleep, join(fixtures, 'sleepstudy.parquet'));
copy(
  `SELECT herd::VARCHAR AS herd, incidence::INTEGER AS incidence, size::INTEGER AS size, period::VARCHAR AS period
   FROM read_csv('${join(root, 'test/fixtures/reference/data/cbpp.csv')}', auto_detect = true, all_varchar = true)`,
  join(fixtures, 'cbpp.parquet'),
);
// A response stored as text: a column of the wrong type for a linear model.
copy(`SELECT CASE WHEN Days = 3 THEN 'slow' ELSE Reaction::VARCHAR END AS Reaction, Days, Subject FROM (${sleep})`, join(fixtures, 'sleepstudy-text.parquet'));
console.log('parquet: examples/sleepstudy.parquet and test/fixtures/parquet/*.parquet written');
