/**
 * ClickHouse through its HTTP interface, with `fetch` only (node 20+ and browser workers have it), so the
 * same runner serves the CLI, the desktop language server and the web worker.
 *
 * - `data: clickhouse://host:8123/db.table` (`clickhouses://` for HTTPS) is parsed by `parseClickHouseUrl`;
 *   credentials never come from the .mlm (a `user:password@` in the URL is a located error), the caller
 *   passes them in (environment variables, VS Code's secret storage).
 * - Every query is a POST of the SQL with its own `query_id`, results as JSONCompact; 64-bit integers
 *   arrive as JSON strings and become numbers (bigint beyond 2^53).
 * - Progress: while a query runs longer than a moment, `system.processes` is read for its rows so far
 *   (on a Distributed table the initiator's entry counts the shards' rows); the final count comes from the
 *   response's statistics.
 * - Cancel: aborting the signal aborts the request and sends `KILL QUERY WHERE query_id = …`.
 * - Failures are MlmError: 'sql-unreachable' (with host:port), 'sql-unknown-table' (codes 60, 81),
 *   'sql-unknown-column' (47), 'sql-auth' (192, 193, 194, 516, HTTP 401/403), 'sql-error' otherwise.
 */
import { CancelledError, MlmError } from '../diagnostics';
import type { SqlColumn, SqlQueryOptions, SqlResult, SqlRunner, SqlSource, SqlValue } from './runner';

/** Where `data: clickhouse://…` points. */
export interface ClickHouseLocation {
  secure: boolean;
  host: string;
  port: number;
  database: string;
  table: string;
}

/** A problem in a `clickhouse://` URL, at `offset` (length `length`) in the text. */
export interface ClickHouseUrlProblem {
  code: string;
  message: string;
  offset: number;
  length: number;
}

const SCHEMES = ['clickhouse://', 'clickhouses://'] as const;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const CLICKHOUSE_DEFAULT_PORT = 8123;
/** What completion offers after `data:` for a ClickHouse table. */
export const CLICKHOUSE_URL_TEMPLATE = 'clickhouse://host:8123/database.table';

/** True when a `data:` value names a ClickHouse table rather than a file. */
export function isClickHouseUrl(text: string): boolean {
  const t = text.trim().toLowerCase();
  return SCHEMES.some((s) => t.startsWith(s));
}

/** `host:port` as messages show it (IPv6 hosts in brackets). */
export function clickHouseAddress(loc: Pick<ClickHouseLocation, 'host' | 'port'>): string {
  return `${loc.host.includes(':') ? `[${loc.host}]` : loc.host}:${loc.port}`;
}

/** The table as it goes after FROM: `db`.`table`. */
export function clickHouseRelation(loc: Pick<ClickHouseLocation, 'database' | 'table'>): string {
  return `\`${loc.database}\`.\`${loc.table}\``;
}

/**
 * Parses `clickhouse://host[:port]/[db.]table` (port 8123 and database `default` when left out;
 * `clickhouses://` speaks HTTPS, port 8443 by default).
 */
export function parseClickHouseUrl(text: string): { location: ClickHouseLocation } | { problem: ClickHouseUrlProblem } {
  const lead = text.length - text.trimStart().length;
  const t = text.trim();
  const scheme = SCHEMES.find((s) => t.toLowerCase().startsWith(s));
  const bad = (message: string, from: number, to: number, code = 'bad-clickhouse-url') => ({
    problem: { code, message, offset: lead + from, length: Math.max(1, to - from) },
  });
  if (!scheme) return bad("a ClickHouse table is written 'clickhouse://host:8123/database.table'", 0, t.length);
  const secure = scheme === 'clickhouses://';
  const restStart = scheme.length;
  const slash = t.indexOf('/', restStart);
  const authority = t.slice(restStart, slash < 0 ? t.length : slash);
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    return bad(
      `credentials do not belong in the .mlm file: remove the user and password from the URL and ${CLICKHOUSE_CREDENTIALS_HINT}`,
      restStart,
      restStart + at + 1,
      'clickhouse-credentials-in-url',
    );
  }
  let host = authority;
  let portText: string | null = null;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) return bad("an IPv6 host is written in brackets, e.g. 'clickhouse://[::1]:8123/db.table'", restStart, restStart + authority.length);
    host = authority.slice(1, close);
    const after = authority.slice(close + 1);
    if (after.startsWith(':')) portText = after.slice(1);
    else if (after) return bad(`unexpected '${after}' after the host`, restStart + close + 1, restStart + authority.length);
  } else {
    const colon = authority.lastIndexOf(':');
    if (colon >= 0) {
      host = authority.slice(0, colon);
      portText = authority.slice(colon + 1);
    }
  }
  if (!host || !/^[A-Za-z0-9._:-]+$/.test(host)) return bad(`'${host}' is not a host name`, restStart, restStart + authority.length);
  let port = secure ? 8443 : CLICKHOUSE_DEFAULT_PORT;
  if (portText !== null) {
    const portStart = restStart + authority.length - portText.length;
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      return bad(`'${portText}' is not a port (1 to 65535; ClickHouse's HTTP port is usually 8123)`, portStart, portStart + portText.length);
    }
    port = Number(portText);
  }
  if (slash < 0 || slash === t.length - 1) {
    return bad("the URL names no table: add '/database.table' (e.g. 'clickhouse://host:8123/default.events')", 0, t.length);
  }
  const pathStart = slash + 1;
  const path = t.slice(pathStart);
  if (/[?#]/.test(path)) {
    const i = path.search(/[?#]/);
    return bad('a ClickHouse URL takes no options here; settings belong to the server or the user profile', pathStart + i, t.length);
  }
  const parts = path.split('.');
  if (parts.length > 2) return bad(`'${path}' is not 'database.table'`, pathStart, t.length);
  const [database, table] = parts.length === 2 ? parts : ['default', parts[0]];
  for (const [name, from] of [
    [database, parts.length === 2 ? pathStart : -1],
    [table, parts.length === 2 ? pathStart + parts[0].length + 1 : pathStart],
  ] as const) {
    if (from >= 0 && !IDENT.test(name)) {
      return bad(`'${name}' is not a plain ClickHouse name (letters, digits and '_', not starting with a digit)`, from, from + Math.max(1, name.length));
    }
  }
  return { location: { secure, host, port, database, table } };
}

/** The part of the fetch API the runner uses (node's and the browser's fetch both fit). */
export type FetchLike = (
  url: string,
  init: { method: string; body?: string; headers?: Record<string, string>; signal?: AbortSignal; mode?: 'cors' | 'no-cors' },
) => Promise<{
  ok: boolean;
  status: number;
  text(): Promise<string>;
}>;

export interface ClickHouseCredentials {
  user: string;
  password: string;
}

/** The environment variables the CLI and the desktop language server read credentials from. */
export const CLICKHOUSE_ENV = { user: 'MLM_CLICKHOUSE_USER', password: 'MLM_CLICKHOUSE_PASSWORD' } as const;

/** Said after a refused login: where credentials are set (the CLI and the editor say the same). */
export const CLICKHOUSE_CREDENTIALS_HINT =
  `set ${CLICKHOUSE_ENV.user} and ${CLICKHOUSE_ENV.password} in the environment, or run "MLM: Set ClickHouse Password" in VS Code`;

/** The same for VS Code for the web, where the language server has no environment: only the editor's command. */
export const CLICKHOUSE_EDITOR_CREDENTIALS_HINT = 'run "MLM: Set ClickHouse Password" to store the user and password (in VS Code\'s secret storage)';

/**
 * Credentials from environment variables (`get` reads one; the caller passes process.env's): null when
 * neither is set (ClickHouse's `default` user without a password); the user defaults to `default`.
 */
export function clickHouseCredentialsFromEnv(get: (name: string) => string | undefined): ClickHouseCredentials | null {
  const user = get(CLICKHOUSE_ENV.user);
  const password = get(CLICKHOUSE_ENV.password);
  if (!user && password === undefined) return null;
  return { user: user || 'default', password: password ?? '' };
}

export interface ClickHouseRunnerOptions {
  credentials?: ClickHouseCredentials | null;
  /**
   * How credentials travel: 'headers' (X-ClickHouse-User/Key, the default) or 'query' (URL parameters, for
   * browsers, where custom headers need a CORS preflight that older servers do not answer).
   */
  credentialsIn?: 'headers' | 'query';
  /** Said after an authentication failure: where the user sets the credentials. */
  credentialsHint?: string;
  /** fetch to use (default: the global one). */
  fetch?: FetchLike;
  /** How long the first contact (GET /ping) may take before the server counts as unreachable (default 10 s). */
  connectTimeoutMs?: number;
  /** After how long a running query is polled for progress, and how often (default 300 ms, 500 ms). */
  progressDelayMs?: number;
  progressEveryMs?: number;
}

interface JsonCompact {
  meta?: { name: string; type: string }[];
  data?: unknown[][];
  statistics?: { rows_read?: number | string };
}

const INTEGER_TYPE = /^(?:Nullable\()?(?:LowCardinality\()?U?Int(?:8|16|32|64|128|256)\b/;
const NUMBER_TYPE = /^(?:Nullable\()?(?:LowCardinality\()?(?:U?Int(?:8|16|32|64|128|256)|Float(?:32|64)|Decimal)/;

/** A JSONCompact cell as a SqlValue: integers that ClickHouse quotes (64-bit) become numbers, or bigint beyond 2^53. */
export function clickHouseValue(v: unknown, type: string): SqlValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    if (INTEGER_TYPE.test(type) && /^-?\d+$/.test(v)) {
      const n = Number(v);
      return Number.isSafeInteger(n) ? n : BigInt(v);
    }
    if (NUMBER_TYPE.test(type)) {
      if (v === 'nan' || v === '-nan') return NaN;
      if (v === 'inf' || v === '+inf') return Infinity;
      if (v === '-inf') return -Infinity;
      const n = Number(v);
      if (!Number.isNaN(n)) return n;
    }
    return v;
  }
  return JSON.stringify(v);
}

/** ClickHouse's error text split into its code and message ("Code: 60, e.displayText() = DB::Exception: …"). */
export function parseClickHouseError(body: string): { code: number | null; message: string } {
  const text = body.trim();
  const m = /Code:\s*(\d+)[.,]\s*(?:e\.displayText\(\)\s*=\s*)?(?:DB::Exception:\s*)?([\s\S]*)$/.exec(text);
  if (!m) return { code: null, message: text.split('\n')[0].slice(0, 500) };
  const message = m[2]
    .replace(/,\s*e\.what\(\)\s*=\s*[\w:]+\s*$/, '')
    .replace(/\s*\(version [^)]*\)\s*$/, '')
    .replace(/\s*\([A-Z_]+\)\s*$/, '')
    .trim();
  return { code: Number(m[1]), message: message.split('\n')[0].slice(0, 500) };
}

const AUTH_CODES = new Set([192, 193, 194, 195, 516]);

function networkReason(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return 'connection refused: is the server running, and is this its HTTP port?';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'unknown host';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'the connection timed out';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'the connection was closed: is this the HTTP port (usually 8123), not the native one (9000)?';
    default:
      if (cause?.message) return cause.message;
      // a browser's fetch says only "Failed to fetch" (TypeError), whatever the reason
      if (e instanceof TypeError) return 'no answer: is the server running, and is this its HTTP port (usually 8123)?';
      return e instanceof Error ? e.message : String(e);
  }
}

/** A request that failed on a kept-alive connection the server had already closed (no response came). */
function isStaleConnection(e: unknown): boolean {
  const code = (e as { cause?: { code?: string } })?.cause?.code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE';
}

let queryCounter = 0;

function newQueryId(): string {
  const rand = Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return `mlm-${Date.now().toString(36)}-${(++queryCounter).toString(36)}-${rand}`;
}

function isAbort(e: unknown): boolean {
  return !!e && typeof e === 'object' && (e as { name?: string }).name === 'AbortError';
}

export class ClickHouseRunner implements SqlRunner {
  readonly dialect = 'clickhouse' as const;
  readonly address: string;
  private readonly base: string;
  private readonly fetchFn: FetchLike;
  private reachable: Promise<void> | null = null;

  constructor(
    readonly location: ClickHouseLocation,
    private readonly options: ClickHouseRunnerOptions = {},
  ) {
    this.address = clickHouseAddress(location);
    this.base = `${location.secure ? 'https' : 'http'}://${this.address}/`;
    const f = options.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
    if (!f) throw new MlmError({ code: 'sql-unreachable', message: `cannot reach ClickHouse at ${this.address}: this host has no fetch` });
    this.fetchFn = f;
  }

  private unreachable(e: unknown): MlmError {
    // VS Code for the web lets its workers connect only to https: and to http://localhost / 127.0.0.1 (its CSP)
    const local = /^(localhost|127\.0\.0\.1)$/i.test(this.location.host);
    const web = this.options.credentialsIn === 'query' && !this.location.secure && !local && !(e as { cause?: unknown })?.cause
      ? "; VS Code for the web connects only to HTTPS servers ('clickhouses://') and to localhost or 127.0.0.1"
      : '';
    return new MlmError({
      code: 'sql-unreachable',
      message: `cannot reach ClickHouse at ${this.address} (${networkReason(e)})${web}`,
      data: { address: this.address },
    });
  }

  /**
   * GET /ping once, bounded by connectTimeoutMs, so a host that drops packets fails fast instead of hanging.
   * ClickHouse answers /ping without a CORS header, so a browser may not read the answer: the request is sent
   * with mode 'no-cors' (an opaque response when the server answered, a TypeError when nothing did; node's
   * fetch ignores the mode).
   */
  private ensureReachable(signal?: AbortSignal): Promise<void> {
    if (!this.reachable) {
      const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
      this.reachable = (async () => {
        const ctl = new AbortController();
        const timer = setTimeout(() => ctl.abort(), timeoutMs);
        const onAbort = () => ctl.abort();
        signal?.addEventListener('abort', onAbort);
        try {
          const res = await this.fetchFn(`${this.base}ping`, { method: 'GET', signal: ctl.signal, mode: 'no-cors' });
          await res.text();
        } catch (e) {
          if (signal?.aborted) throw new CancelledError();
          if (isAbort(e)) throw this.unreachable({ cause: { code: 'ETIMEDOUT' } });
          throw this.unreachable(e);
        } finally {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        }
      })();
      this.reachable.catch(() => {
        this.reachable = null;
      });
    }
    return this.reachable;
  }

  /**
   * The request's URL. No `database` parameter: every statement names `db`.`table` (clickHouseRelation), and
   * ClickHouse refuses an unknown `database` parameter before it reads `add_http_cors_header`, an answer a
   * browser could not read.
   */
  private url(params: Record<string, string>): string {
    const all: Record<string, string> = { ...params };
    const c = this.options.credentials;
    if (c && this.options.credentialsIn === 'query') {
      all.user = c.user;
      all.password = c.password;
    }
    const q = Object.entries(all)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&');
    return `${this.base}?${q}`;
  }

  private headers(): Record<string, string> {
    const c = this.options.credentials;
    const h: Record<string, string> = { 'Content-Type': 'text/plain; charset=UTF-8' };
    if (c && this.options.credentialsIn !== 'query') {
      h['X-ClickHouse-User'] = c.user;
      h['X-ClickHouse-Key'] = c.password;
    }
    return h;
  }

  /**
   * A request that got no response. In a browser that is also how an answer without a CORS header looks:
   * ClickHouse (18.16 at least) refuses a user or password (HTTP 401) before it reads `add_http_cors_header`.
   * When the server still answers /ping, that is the likely reason, and the message says so.
   */
  private async unreadable(e: unknown): Promise<MlmError> {
    if (this.options.credentialsIn !== 'query' || !(e instanceof TypeError) || (e as { cause?: unknown }).cause) return this.unreachable(e);
    this.reachable = null;
    try {
      await this.ensureReachable();
    } catch (again) {
      return again instanceof MlmError ? again : this.unreachable(e);
    }
    const hint = this.options.credentialsHint ?? CLICKHOUSE_CREDENTIALS_HINT;
    return new MlmError({
      code: 'sql-auth',
      message:
        `ClickHouse at ${this.address} did not accept the request, probably the user or password (it sends a refusal without ` +
        `the CORS header a browser needs, so the reason cannot be read here); ${hint}`,
      data: { address: this.address },
    });
  }

  private failure(status: number, body: string, sql: string): MlmError {
    const { code, message } = parseClickHouseError(body);
    const where = `ClickHouse at ${this.address}`;
    const data = { address: this.address, clickhouseCode: code, status };
    if ((code !== null && AUTH_CODES.has(code)) || (code === null && (status === 401 || status === 403))) {
      const hint = this.options.credentialsHint ?? CLICKHOUSE_CREDENTIALS_HINT;
      return new MlmError({ code: 'sql-auth', message: `${where} refused the credentials (${message}); ${hint}`, data });
    }
    if (code === 60 || code === 81) {
      return new MlmError({ code: 'sql-unknown-table', message: `${where}: ${message}`, data });
    }
    if (code === 47) {
      const col = /(?:Unknown identifier|Missing columns):\s*'?([^\s',]+)/.exec(message)?.[1];
      return new MlmError({
        code: 'sql-unknown-column',
        message: `${where}: ${message}`,
        data: { ...data, ...(col ? { column: col } : {}) },
      });
    }
    return new MlmError({
      code: 'sql-error',
      message: `${where}: ${code !== null ? `code ${code}: ` : `HTTP ${status}: `}${message}`,
      data: { ...data, sql: sql.slice(0, 2000) },
    });
  }

  /**
   * POSTs one statement. `params` is called once per attempt (a retry gets a fresh query_id): a kept-alive
   * connection that the server closed while this process was busy fails before any response ('other side
   * closed'); such a request is sent once more on a new connection.
   */
  private async post(sql: string, params: () => Record<string, string>, signal?: AbortSignal): Promise<string> {
    let res;
    for (let attempt = 0; ; attempt++) {
      try {
        res = await this.fetchFn(this.url(params()), { method: 'POST', body: sql, headers: this.headers(), signal });
        break;
      } catch (e) {
        if (signal?.aborted || isAbort(e)) throw new CancelledError();
        if (attempt === 0 && isStaleConnection(e)) continue;
        throw await this.unreadable(e);
      }
    }
    let body: string;
    try {
      body = await res.text();
    } catch (e) {
      if (signal?.aborted || isAbort(e)) throw new CancelledError();
      throw this.unreachable(e);
    }
    if (!res.ok) throw this.failure(res.status, body, sql);
    return body;
  }

  async query(sql: string, options: SqlQueryOptions = {}): Promise<SqlResult> {
    const { signal, onProgress } = options;
    if (signal?.aborted) throw new CancelledError();
    await this.ensureReachable(signal);
    let queryId = newQueryId();
    const ctl = new AbortController();
    let killed = false;
    const onAbort = () => {
      killed = true;
      ctl.abort();
      void this.kill(queryId);
    };
    signal?.addEventListener('abort', onAbort);
    const stopPolling = onProgress ? this.pollProgress(() => queryId, onProgress) : () => undefined;
    let body: string;
    try {
      let attempts = 0;
      const params = () => {
        if (attempts++ > 0) queryId = newQueryId();
        return { query_id: queryId, default_format: 'JSONCompact', wait_end_of_query: '1', add_http_cors_header: '1' };
      };
      body = await this.post(sql, params, ctl.signal);
    } catch (e) {
      if (killed || (e instanceof MlmError && e.diagnostic.data?.clickhouseCode === 394 && signal?.aborted)) throw new CancelledError();
      throw e;
    } finally {
      stopPolling();
      signal?.removeEventListener('abort', onAbort);
    }
    if (signal?.aborted) throw new CancelledError();
    if (!body.trim()) return { columns: [], rows: [] };
    let parsed: JsonCompact;
    try {
      parsed = JSON.parse(body) as JsonCompact;
    } catch {
      // an exception after the first bytes were sent arrives inside a 200 response
      throw this.failure(200, body.slice(body.lastIndexOf('Code:') >= 0 ? body.lastIndexOf('Code:') : 0), sql);
    }
    const meta = parsed.meta ?? [];
    const rows = (parsed.data ?? []).map((r) => r.map((v, j) => clickHouseValue(v, meta[j]?.type ?? '')));
    const read = parsed.statistics?.rows_read;
    if (onProgress && read !== undefined) onProgress({ rowsRead: Number(read), fraction: 1 });
    return { columns: meta.map((m) => m.name), rows };
  }

  async describe(relation: string, options: SqlQueryOptions = {}): Promise<SqlColumn[]> {
    const r = await this.query(`DESCRIBE TABLE ${relation}`, options);
    const name = Math.max(0, r.columns.indexOf('name'));
    const type = r.columns.indexOf('type') >= 0 ? r.columns.indexOf('type') : 1;
    return r.rows.map((row) => ({ name: String(row[name]), type: String(row[type]) }));
  }

  /** Ends a running query on the server (the request itself is aborted by the caller). */
  async kill(queryId: string): Promise<void> {
    try {
      await this.post(`KILL QUERY WHERE query_id = '${queryId.replace(/[^A-Za-z0-9_-]/g, '')}' ASYNC`, () => ({ add_http_cors_header: '1' }));
    } catch {
      // the query may have finished, or the server gone: nothing left to stop
    }
  }

  /** Reads the query's rows so far from system.processes until the returned function is called. */
  private pollProgress(queryId: () => string, onProgress: NonNullable<SqlQueryOptions['onProgress']>): () => void {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      if (stopped) return;
      try {
        const sql = `SELECT read_rows, total_rows_approx FROM system.processes WHERE query_id = '${queryId()}'`;
        const body = await this.post(sql, () => ({ default_format: 'JSONCompact', add_http_cors_header: '1' }));
        const row = (JSON.parse(body) as JsonCompact).data?.[0];
        if (row && !stopped) {
          const read = Number(row[0]);
          const total = Number(row[1]);
          onProgress({ rowsRead: read, ...(total > 0 ? { fraction: Math.min(1, read / total) } : {}) });
        }
      } catch {
        // progress is best effort
      }
      if (!stopped) timer = setTimeout(tick, this.options.progressEveryMs ?? 500);
    };
    timer = setTimeout(tick, this.options.progressDelayMs ?? 300);
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }

  async close(): Promise<void> {
    // HTTP: nothing held open between queries
  }
}

/** A SqlSource for `data: clickhouse://…` (label: the URL as written). */
export function clickHouseSource(location: ClickHouseLocation, label: string, options: ClickHouseRunnerOptions = {}): SqlSource {
  return { runner: new ClickHouseRunner(location, options), relation: clickHouseRelation(location), label };
}
