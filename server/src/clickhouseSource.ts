/**
 * `data: clickhouse://host:8123/db.table` in the language server: the SqlSource a fit reads through, with
 * credentials from VS Code's secret storage (asked of the client: mlm/clickhouseCredentials) or, on the
 * desktop, from MLM_CLICKHOUSE_USER / MLM_CLICKHOUSE_PASSWORD. The browser server sends credentials as URL
 * parameters (custom headers need a CORS preflight that ClickHouse does not answer).
 */
import type { Connection } from 'vscode-languageserver';
import {
  MlmError,
  type MlmDocument,
  type SqlSource,
  clickHouseCredentialsFromEnv,
  clickHouseAddress,
  clickHouseSource,
  CLICKHOUSE_EDITOR_CREDENTIALS_HINT,
  isClickHouseUrl,
  parseClickHouseUrl,
  type ClickHouseCredentials,
} from '../../engine/src/index';
import { ClickHouseCredentialsRequestMethod, type ClickHouseCredentialsParams, type ClickHouseCredentialsResponse } from '../../protocol/index';
import type { ServerHost } from './host';

/** Does the document read its data from ClickHouse? */
export function readsClickHouse(doc: MlmDocument): boolean {
  return !!doc.data && isClickHouseUrl(doc.data.value);
}

async function storedCredentials(connection: Connection, address: string): Promise<ClickHouseCredentials | null> {
  try {
    const r = await connection.sendRequest<ClickHouseCredentialsResponse | null>(ClickHouseCredentialsRequestMethod, { address } satisfies ClickHouseCredentialsParams);
    return r && typeof r.user === 'string' && typeof r.password === 'string' ? { user: r.user, password: r.password } : null;
  } catch {
    return null; // a client without the request
  }
}

/** The SqlSource of a `data: clickhouse://…` line; a located MlmError when the URL is malformed. */
export async function clickHouseSourceOf(doc: MlmDocument, connection: Connection, host: ServerHost): Promise<SqlSource> {
  const data = doc.data!;
  const parsed = parseClickHouseUrl(data.value);
  if ('problem' in parsed) throw new MlmError({ code: parsed.problem.code, message: parsed.problem.message, range: data.range });
  const address = clickHouseAddress(parsed.location);
  const credentials = (await storedCredentials(connection, address)) ?? (host.env ? clickHouseCredentialsFromEnv(host.env) : null);
  // the browser's worker: credentials as URL parameters, and only the editor's way to set them is worth saying
  if (!host.env) return clickHouseSource(parsed.location, data.value, { credentials, credentialsIn: 'query', credentialsHint: CLICKHOUSE_EDITOR_CREDENTIALS_HINT });
  return clickHouseSource(parsed.location, data.value, { credentials, credentialsIn: 'headers' });
}
