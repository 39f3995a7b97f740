/**
 * A two-shard ClickHouse cluster on 127.0.0.1 for the clickhouse test group: two clickhouse-server
 * processes, each with its own config file, free ports and temporary data folder, both knowing the
 * cluster `two_shards` through `remote_servers`. Tables are made with `createDistributed`: a MergeTree
 * table on each shard and a Distributed table over both on the first shard. `startCluster({ shards: 1 })`
 * starts one server (its `two_shards` cluster then has that one shard), for tests that need a server but
 * not a cluster (test/e2e/clickhouse.test.ts).
 *
 *   const cluster = await startCluster();
 *   try { ... } finally { await cluster.stop(); }
 *
 * `stop()` ends the servers by the PIDs this module started and removes their folders; a process exit
 * handler does the same (synchronously) when a test dies before reaching it. Without clickhouse-server
 * on the PATH, startCluster throws: the group fails rather than skips.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The password of the user `analyst` that the harness's users.xml declares (for authentication tests). */
export const ANALYST = { user: 'analyst', password: 'harness-only-password' };

export interface ClickHouseCluster {
  /** HTTP ports of shard 1 and shard 2 (one port with `shards: 1`). */
  readonly httpPorts: readonly number[];
  /** http://127.0.0.1:PORT of shard 1, where the Distributed tables live. */
  readonly url: string;
  /** Runs one statement on a shard (0 or 1) and returns the response text; throws on an HTTP error. */
  exec(sql: string, shard?: number, settings?: Record<string, string>): Promise<string>;
  /** Makes `local` (MergeTree) on both shards and `name` (Distributed over both) on shard 1. */
  createDistributed(name: string, local: string, columns: string, orderBy: string): Promise<void>;
  /** Inserts tab-separated rows through the Distributed table `name`, synchronously to both shards. */
  insertTsv(name: string, tsv: string): Promise<void>;
  /** Rows of `local` on each shard. */
  shardCounts(local: string): Promise<number[]>;
  stop(): Promise<void>;
}

interface Server {
  dir: string;
  http: number;
  tcp: number;
  child: ChildProcess;
}

const live = new Set<Server>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const s of live) {
      if (s.child.pid !== undefined && s.child.exitCode === null) {
        try {
          process.kill(s.child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      rmSync(s.dir, { recursive: true, force: true });
    }
  });
}

/** A port on 127.0.0.1 nothing listens on (free when this returns). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The path of clickhouse-server, or null when it is not installed. */
export function clickHouseServerPath(): string | null {
  const found = spawnSync('sh', ['-c', 'command -v clickhouse-server'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path ? path : null;
}

function serverBinary(): string {
  const path = clickHouseServerPath();
  if (!path) {
    throw new Error(
      'clickhouse-server is not installed: the clickhouse test group needs it ' +
        '(apt-get install -y clickhouse-server clickhouse-client; .ci/run does this).',
    );
  }
  return path;
}

function configXml(dir: string, http: number, tcp: number, shardTcp: readonly number[]): string {
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/log.txt</log><errorlog>${dir}/err.txt</errorlog></logger>
  <http_port>${http}</http_port>
  <tcp_port>${tcp}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <!-- the harness's fetch keeps connections alive between statements: do not close them after 3 idle seconds -->
  <keep_alive_timeout>600</keep_alive_timeout>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>536870912</mark_cache_size>
  <remote_servers><two_shards>
${shardTcp.map((port) => `    <shard><replica><host>127.0.0.1</host><port>${port}</port></replica></shard>`).join('\n')}
  </two_shards></remote_servers>
</yandex>
`;
}

const USERS_XML = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage><load_balancing>random</load_balancing></default></profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default>
    <${ANALYST.user}><password>${ANALYST.password}</password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></${ANALYST.user}>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;

async function httpExec(port: number, sql: string, settings: Record<string, string> = {}): Promise<string> {
  const params = new URLSearchParams(settings);
  const res = await fetch(`http://127.0.0.1:${port}/?${params}`, { method: 'POST', body: sql });
  const text = await res.text();
  if (!res.ok) throw new Error(`ClickHouse on port ${port}: HTTP ${res.status}: ${text.trim()}\n  in: ${sql.slice(0, 200)}`);
  return text;
}

async function waitUntilUp(s: Server, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    if (s.child.exitCode !== null || s.child.signalCode !== null) {
      const err = existsSync(join(s.dir, 'err.txt')) ? readFileSync(join(s.dir, 'err.txt'), 'utf8').slice(-2000) : '';
      throw new Error(`clickhouse-server on port ${s.http} exited during start-up (${s.child.exitCode ?? s.child.signalCode}):\n${err}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${s.http}/ping`);
      if (res.ok && (await res.text()).startsWith('Ok')) return;
    } catch {
      // not listening yet
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`clickhouse-server on port ${s.http} did not answer within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopServer(s: Server): Promise<void> {
  const { child } = s;
  if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 20_000).unref());
    if ((await Promise.race([exited, timer])) === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
  }
  rmSync(s.dir, { recursive: true, force: true });
  live.delete(s);
}

export async function startCluster(options: { shards?: 1 | 2 } = {}): Promise<ClickHouseCluster> {
  const binary = serverBinary();
  installExitHook();
  const n = options.shards ?? 2;
  const ports: number[] = [];
  for (let i = 0; i < 2 * n; i++) ports.push(await freePort());
  const tcp = ports.filter((_, i) => i % 2 === 1);
  const shards = tcp.map((_, i) => i);
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const dir = mkdtempSync(join(tmpdir(), `mlm-ch${i + 1}-`));
      for (const sub of ['data', 'tmp', 'user_files', 'format_schemas']) mkdirSync(join(dir, sub));
      writeFileSync(join(dir, 'users.xml'), USERS_XML);
      writeFileSync(join(dir, 'config.xml'), configXml(dir, ports[2 * i], ports[2 * i + 1], tcp));
      const child = spawn(binary, [`--config-file=${join(dir, 'config.xml')}`], { cwd: dir, stdio: 'ignore' });
      child.on('error', () => undefined);
      const s: Server = { dir, http: ports[2 * i], tcp: ports[2 * i + 1], child };
      servers.push(s);
      live.add(s);
    }
    for (const s of servers) await waitUntilUp(s);
  } catch (e) {
    await Promise.all(servers.map(stopServer));
    throw e;
  }
  const httpPorts = servers.map((s) => s.http);
  const exec = (sql: string, shard = 0, settings?: Record<string, string>): Promise<string> => httpExec(httpPorts[shard], sql, settings);
  return {
    httpPorts,
    url: `http://127.0.0.1:${httpPorts[0]}`,
    exec,
    async createDistributed(name, local, columns, orderBy) {
      for (const shard of shards) await exec(`CREATE TABLE ${local} (${columns}) ENGINE = MergeTree ORDER BY ${orderBy}`, shard);
      await exec(`CREATE TABLE ${name} AS ${local} ENGINE = Distributed(two_shards, default, ${local}, rand())`, 0);
    },
    async insertTsv(name, tsv) {
      await exec(`INSERT INTO ${name} FORMAT TabSeparated\n${tsv}`, 0, { insert_distributed_sync: '1' });
    },
    async shardCounts(local) {
      return Promise.all(shards.map(async (shard) => Number((await exec(`SELECT count() FROM ${local}`, shard)).trim())));
    },
    async stop() {
      await Promise.all(servers.map(stopServer));
    },
  };
}
