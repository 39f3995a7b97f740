import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dataLine, sqlColumnKind, tableFromSqlColumns } from '../../engine/src/index';

test('SQL type names map to numeric, logical and text columns (DuckDB and ClickHouse spellings)', () => {
  for (const t of ['DOUBLE', 'BIGINT', 'INTEGER', 'DECIMAL(10,2)', 'FLOAT', 'HUGEINT', 'UBIGINT', 'Float64', 'Nullable(Int32)', 'UInt8', 'Decimal(18, 4)'])
    assert.equal(sqlColumnKind(t), 'numeric', t);
  for (const t of ['BOOLEAN', 'Bool', 'Nullable(Bool)']) assert.equal(sqlColumnKind(t), 'logical', t);
  for (const t of ['VARCHAR', 'String', 'LowCardinality(String)', 'DATE', 'TIMESTAMP', 'Nullable(String)', 'ENUM(\'a\')'])
    assert.equal(sqlColumnKind(t), 'text', t);
});

test('columns from SQL become a DataTable: types from the database, NULL as missing, levels in R order, R names', () => {
  const t = tableFromSqlColumns(
    'x.parquet',
    [
      { name: 'Reaction time', type: 'DOUBLE', values: [249.56, null, 258.7] },
      { name: 'Subject', type: 'VARCHAR', values: ['b10', 'B2', null] },
      { name: 'ok', type: 'BOOLEAN', values: [true, null, true] },
      { name: 'n', type: 'BIGINT', values: [1n, 2n, 3n] },
      { name: 'Subject', type: 'INTEGER', values: [1, 2, 3] },
    ],
    3,
  );
  assert.deepEqual(t.names, ['Reaction.time', 'Subject', 'ok', 'n', 'Subject.1']);
  const r = t.columns.get('Reaction.time')!;
  assert.equal(r.kind, 'numeric');
  assert.ok(r.kind === 'numeric' && r.values[0] === 249.56 && Number.isNaN(r.values[1]));
  const s = t.columns.get('Subject')!;
  // R: sort(c("b10", "B2")) in the C.UTF-8-independent collation R uses for factor levels -> "b10" "B2"
  assert.ok(s.kind === 'text');
  assert.deepEqual(s.kind === 'text' && [...s.codes], [0, 1, -1]);
  assert.deepEqual(s.kind === 'text' && s.levels, ['b10', 'B2']);
  const ok = t.columns.get('ok')!;
  assert.ok(ok.kind === 'text' && ok.levels.length === 1 && ok.levels[0] === 'TRUE' && ok.codes[1] === -1);
  const n = t.columns.get('n')!;
  assert.ok(n.kind === 'numeric' && n.values[2] === 3);
  assert.equal(dataLine(t, 0), 1, 'rows are numbered from 1');
});
