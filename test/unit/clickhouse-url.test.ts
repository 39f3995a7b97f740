/**
 * `data: clickhouse://…` parsing, ClickHouse's JSON cells and error texts (engine/src/sql/clickhouse.ts),
 * without a server (the clickhouse group runs the runner against a real cluster).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ClickHouseRunner,
  clickHouseRelation,
  clickHouseValue,
  isClickHouseUrl,
  parseClickHouseError,
  parseClickHouseUrl,
  type FetchLike,
} from '../../engine/src/sql/clickhouse';
import { MlmError } from '../../engine/src/diagnostics';

function location(text: string) {
  const r = parseClickHouseUrl(text);
  if ('problem' in r) assert.fail(`${text}: ${r.problem.message}`);
  return r.location;
}

function problem(text: string) {
  const r = parseClickHouseUrl(text);
  if ('location' in r) assert.fail(`${text} parsed`);
  return r.problem;
}

test('clickhouse://host:port/db.table, with defaults for the port and the database', () => {
  assert.deepEqual(location('clickhouse://127.0.0.1:18123/default.dist'), { secure: false, host: '127.0.0.1', port: 18123, database: 'default', table: 'dist' });
  assert.deepEqual(location('clickhouse://warehouse.example.com/events'), { secure: false, host: 'warehouse.example.com', port: 8123, database: 'default', table: 'events' });
  assert.deepEqual(location('clickhouses://ch.example.com/db.t'), { secure: true, host: 'ch.example.com', port: 8443, database: 'db', table: 't' });
  assert.deepEqual(location('clickhouse://[::1]:9123/a.b'), { secure: false, host: '::1', port: 9123, database: 'a', table: 'b' });
  assert.equal(clickHouseRelation(location('clickhouse://h/db.t')), '`db`.`t`');
  assert.ok(isClickHouseUrl('ClickHouse://h/t'));
  assert.ok(!isClickHouseUrl('data/clickhouse.csv'));
});

test('credentials in the URL are refused at the user:password@ part, saying where they go', () => {
  const text = 'clickhouse://bob:secret@host:8123/db.t';
  const p = problem(text);
  assert.equal(p.code, 'clickhouse-credentials-in-url');
  assert.equal(text.slice(p.offset, p.offset + p.length), 'bob:secret@');
  assert.match(p.message, /MLM_CLICKHOUSE_USER/);
  assert.match(p.message, /MLM_CLICKHOUSE_PASSWORD/);
  assert.doesNotMatch(p.message, /secret/);
});

test('bad ports, names and missing tables are located in the URL', () => {
  const port = 'clickhouse://h:99999/db.t';
  let p = problem(port);
  assert.equal(port.slice(p.offset, p.offset + p.length), '99999');
  const name = 'clickhouse://h:8123/db.1bad';
  p = problem(name);
  assert.equal(name.slice(p.offset, p.offset + p.length), '1bad');
  assert.match(problem('clickhouse://h:8123').message, /names no table/);
  assert.match(problem('clickhouse://h:8123/').message, /names no table/);
  assert.match(problem('clickhouse://h/a.b.c').message, /database\.table/);
  assert.match(problem('clickhouse://h/a.b?x=1').message, /no options/);
  const lead = '  clickhouse://h:0/t';
  p = problem(lead);
  assert.equal(lead.slice(p.offset, p.offset + p.length), '0');
});

test('JSONCompact cells: quoted 64-bit integers become numbers (bigint beyond 2^53), other strings stay', () => {
  assert.equal(clickHouseValue('180', 'UInt64'), 180);
  assert.equal(clickHouseValue('-42', 'Nullable(Int64)'), -42);
  assert.equal(clickHouseValue('9007199254740993', 'UInt64'), 9007199254740993n);
  assert.equal(clickHouseValue(249.56, 'Float64'), 249.56);
  assert.equal(clickHouseValue('308', 'String'), '308');
  assert.equal(clickHouseValue('1.25', 'Decimal(18, 2)'), 1.25);
  assert.ok(Number.isNaN(clickHouseValue('nan', 'Float64') as number));
  assert.equal(clickHouseValue(null, 'Nullable(Float64)'), null);
});

test("ClickHouse's error texts, old (18.16) and new format", () => {
  assert.deepEqual(parseClickHouseError("Code: 60, e.displayText() = DB::Exception: Table default.nope doesn't exist., e.what() = DB::Exception\n"), {
    code: 60,
    message: "Table default.nope doesn't exist.",
  });
  assert.deepEqual(parseClickHouseError("Code: 47. DB::Exception: Missing columns: 'zz' while processing query. (UNKNOWN_IDENTIFIER) (version 23.8.1.1)"), {
    code: 47,
    message: "Missing columns: 'zz' while processing query.",
  });
  assert.deepEqual(parseClickHouseError('Bad Gateway'), { code: null, message: 'Bad Gateway' });
});

test('a network failure is sql-unreachable with host:port and the reason', async () => {
  const refused: FetchLike = async () => {
    throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
  };
  const runner = new ClickHouseRunner(location('clickhouse://db.example.org:8123/x.y'), { fetch: refused });
  await assert.rejects(runner.query('SELECT 1'), (e: unknown) => {
    assert.ok(e instanceof MlmError);
    assert.equal(e.diagnostic.code, 'sql-unreachable');
    assert.match(e.diagnostic.message, /^cannot reach ClickHouse at db\.example\.org:8123 \(connection refused/);
    return true;
  });
});

test('a host that never answers counts as unreachable after the connect timeout', async () => {
  const hang: FetchLike = (_url, init) =>
    new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
  const runner = new ClickHouseRunner(location('clickhouse://10.255.255.1/t'), { fetch: hang, connectTimeoutMs: 50 });
  await assert.rejects(runner.query('SELECT 1'), (e: unknown) => e instanceof MlmError && /10\.255\.255\.1:8123 \(the connection timed out\)/.test(e.message));
});

test('each query gets its own query_id and asks for JSONCompact; credentials go in headers by default', async () => {
  const urls: string[] = [];
  const headers: Record<string, string>[] = [];
  const fake: FetchLike = async (url, init) => {
    urls.push(url);
    headers.push(init.headers ?? {});
    const body = url.endsWith('/ping') ? 'Ok.\n' : '{"meta":[{"name":"c","type":"UInt64"}],"data":[["3"]],"rows":1}';
    return { ok: true, status: 200, text: async () => body };
  };
  const runner = new ClickHouseRunner(location('clickhouse://h/db.t'), { fetch: fake, credentials: { user: 'u', password: 'p w' } });
  assert.deepEqual((await runner.query('SELECT count() AS c FROM t')).rows, [[3]]);
  await runner.query('SELECT 1');
  const posts = urls.filter((u) => !u.endsWith('/ping'));
  assert.equal(urls.filter((u) => u.endsWith('/ping')).length, 1);
  const ids = posts.map((u) => new URL(u).searchParams.get('query_id'));
  assert.ok(ids[0] && ids[1] && ids[0] !== ids[1]);
  assert.equal(new URL(posts[0]).searchParams.get('default_format'), 'JSONCompact');
  // no database parameter (the statements name `db`.`t`): ClickHouse refuses an unknown one without a CORS header
  assert.equal(new URL(posts[0]).searchParams.get('database'), null);
  assert.equal(new URL(posts[0]).searchParams.get('password'), null);
  assert.equal(headers[1]['X-ClickHouse-User'], 'u');
  assert.equal(headers[1]['X-ClickHouse-Key'], 'p w');
});

test('a kept-alive connection closed by the server is retried once on a new one, with a fresh query_id', async () => {
  const ids: string[] = [];
  let failures = 1;
  const flaky: FetchLike = async (url) => {
    if (url.endsWith('/ping')) return { ok: true, status: 200, text: async () => 'Ok.\n' };
    ids.push(new URL(url).searchParams.get('query_id') ?? '');
    if (failures-- > 0) throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'UND_ERR_SOCKET', message: 'other side closed' } });
    return { ok: true, status: 200, text: async () => '{"meta":[{"name":"x","type":"UInt8"}],"data":[[1]],"rows":1}' };
  };
  const runner = new ClickHouseRunner(location('clickhouse://h/t'), { fetch: flaky });
  assert.deepEqual((await runner.query('SELECT 1 AS x')).rows, [[1]]);
  assert.equal(ids.length, 2);
  assert.notEqual(ids[0], ids[1]);
  failures = 2;
  await assert.rejects(runner.query('SELECT 1 AS x'), (e: unknown) => e instanceof MlmError && e.diagnostic.code === 'sql-unreachable');
});

test('in a browser: /ping is sent no-cors (ClickHouse answers it without a CORS header), queries ask for the CORS header', async () => {
  const seen: { url: string; mode?: string }[] = [];
  const fake: FetchLike = async (url, init) => {
    seen.push({ url, mode: init.mode });
    // an opaque response, as a browser gives for a no-cors request
    if (url.endsWith('/ping')) return { ok: false, status: 0, text: async () => '' };
    return { ok: true, status: 200, text: async () => '{"meta":[{"name":"x","type":"UInt8"}],"data":[[1]],"rows":1}' };
  };
  const runner = new ClickHouseRunner(location('clickhouse://h/db.t'), { fetch: fake, credentials: { user: 'u', password: 'p' }, credentialsIn: 'query' });
  assert.deepEqual((await runner.query('SELECT 1 AS x')).rows, [[1]]);
  assert.equal(seen[0].mode, 'no-cors');
  const q = new URL(seen[1].url).searchParams;
  assert.equal(seen[1].mode, undefined);
  assert.equal(q.get('add_http_cors_header'), '1');
  assert.equal(q.get('user'), 'u');
  assert.equal(q.get('password'), 'p');
});

test('in a browser: an unreadable answer from a server that answers /ping is a refusal of the credentials; no answer at all is unreachable', async () => {
  let up = true;
  // a browser's fetch rejects with a bare TypeError both for no connection and for an answer without a CORS header
  const fake: FetchLike = async (url) => {
    if (url.endsWith('/ping') && up) return { ok: false, status: 0, text: async () => '' };
    throw new TypeError('Failed to fetch');
  };
  const hint = 'run "MLM: Set ClickHouse Password"';
  const runner = new ClickHouseRunner(location('clickhouse://localhost:8123/db.t'), { fetch: fake, credentialsIn: 'query', credentialsHint: hint });
  await assert.rejects(runner.query('SELECT 1'), (e: unknown) => {
    assert.ok(e instanceof MlmError);
    assert.equal(e.diagnostic.code, 'sql-auth');
    assert.match(e.message, /^ClickHouse at localhost:8123 did not accept the request, probably the user or password .*; run "MLM: Set ClickHouse Password"$/);
    return true;
  });
  up = false;
  await assert.rejects(runner.query('SELECT 1'), (e: unknown) => {
    assert.ok(e instanceof MlmError);
    assert.equal(e.diagnostic.code, 'sql-unreachable');
    assert.match(e.message, /^cannot reach ClickHouse at localhost:8123 \(no answer: is the server running, and is this its HTTP port \(usually 8123\)\?\)$/);
    return true;
  });
  // a plain-HTTP server that is not local: VS Code for the web's CSP may be the reason
  const remote = new ClickHouseRunner(location('clickhouse://warehouse:8123/db.t'), { fetch: fake, credentialsIn: 'query' });
  await assert.rejects(remote.query('SELECT 1'), (e: unknown) => {
    assert.ok(e instanceof MlmError);
    assert.match(e.message, /^cannot reach ClickHouse at warehouse:8123 \(no answer: .*\); VS Code for the web connects only to HTTPS servers \('clickhouses:\/\/'\) and to localhost or 127\.0\.0\.1$/);
    return true;
  });
  // on node (credentials in headers) a failed request is only ever unreachable
  up = true;
  const node = new ClickHouseRunner(location('clickhouse://h:8123/db.t'), { fetch: fake });
  await assert.rejects(node.query('SELECT 1'), (e: unknown) => e instanceof MlmError && e.diagnostic.code === 'sql-unreachable');
});
