/** "MLM: Set ClickHouse Password": addresses typed or read from the .mlm, and what is kept in secret storage. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressInDocument, clickHouseSecretKey, normaliseAddress, parseStoredCredentials } from '../../client/src/shared/clickhouseAddress';

test('a typed address becomes host:port (8123 by default); anything else is refused', () => {
  assert.equal(normaliseAddress('127.0.0.1:18123'), '127.0.0.1:18123');
  assert.equal(normaliseAddress(' warehouse.example.com '), 'warehouse.example.com:8123');
  assert.equal(normaliseAddress('[::1]:9000'), '[::1]:9000');
  assert.equal(normaliseAddress('host:99999'), null);
  assert.equal(normaliseAddress('bob:pw@host'), null);
  assert.equal(normaliseAddress(''), null);
});

test("the .mlm file's data: line suggests the server", () => {
  assert.equal(addressInDocument('# x\ndata: clickhouse://10.0.0.5:8123/default.dist\nmodel m:\n  formula: y ~ 1 + (1|g)\n'), '10.0.0.5:8123');
  assert.equal(addressInDocument('data: "clickhouse://ch/db.t"\n'), 'ch:8123');
  assert.equal(addressInDocument('data: sleepstudy.csv\n'), null);
});

test('stored secrets: one key per server, read back only when well formed', () => {
  assert.equal(clickHouseSecretKey('CH.example.com:8123'), 'mlm.clickhouse/ch.example.com:8123');
  assert.deepEqual(parseStoredCredentials(JSON.stringify({ user: 'u', password: 'p' })), { user: 'u', password: 'p' });
  assert.equal(parseStoredCredentials('{"user": 1}'), null);
  assert.equal(parseStoredCredentials('not json'), null);
  assert.equal(parseStoredCredentials(undefined), null);
});
