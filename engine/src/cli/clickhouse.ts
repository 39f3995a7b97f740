/**
 * `data: clickhouse://host:port/db.table` in the CLI: the SqlSource the models are fitted through, with
 * credentials from MLM_CLICKHOUSE_USER / MLM_CLICKHOUSE_PASSWORD (never from the .mlm file).
 */
import type { MlmDocument } from '../mlmfile/types';
import { clickHouseCredentialsFromEnv, clickHouseSource, isClickHouseUrl, parseClickHouseUrl } from '../sql/clickhouse';
import type { SqlSource } from '../sql/runner';

/** The ClickHouse source of the document's data: line, or null (a CSV file, or a malformed URL the parser reported). */
export function clickHouseSourceForCli(doc: MlmDocument): SqlSource | null {
  if (!doc.data || !isClickHouseUrl(doc.data.value)) return null;
  const parsed = parseClickHouseUrl(doc.data.value);
  if ('problem' in parsed) return null;
  return clickHouseSource(parsed.location, doc.data.value, { credentials: clickHouseCredentialsFromEnv((name) => process.env[name]) });
}
