/** Pure helpers of "MLM: Set ClickHouse Password" (extension/clickhouseCredentials.ts): addresses and stored secrets. */
import type { ClickHouseCredentialsResponse } from '../../../protocol/index';
import { clickHouseAddress, isClickHouseUrl, parseClickHouseUrl } from '../../../engine/src/index';

/** The secret storage key of a server's credentials. */
export function clickHouseSecretKey(address: string): string {
  return `mlm.clickhouse/${address.trim().toLowerCase()}`;
}

/** A stored secret back as credentials (anything else: null). */
export function parseStoredCredentials(text: string | undefined): ClickHouseCredentialsResponse | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && typeof (v as { user?: unknown }).user === 'string' && typeof (v as { password?: unknown }).password === 'string') {
      return { user: (v as { user: string }).user, password: (v as { password: string }).password };
    }
  } catch {
    // not ours
  }
  return null;
}

/** host:port as typed by the user (port 8123 when left out), or null when it is not one. */
export function normaliseAddress(text: string): string | null {
  const r = parseClickHouseUrl(`clickhouse://${text.trim()}/t`);
  return 'location' in r ? clickHouseAddress(r.location) : null;
}

/** The host:port of the `data: clickhouse://…` line of a .mlm text, if any. */
export function addressInDocument(text: string): string | null {
  const m = /^[ \t]*data[ \t]*:[ \t]*["']?(\S+?)["']?[ \t]*$/m.exec(text);
  if (!m || !isClickHouseUrl(m[1])) return null;
  const r = parseClickHouseUrl(m[1]);
  return 'location' in r ? clickHouseAddress(r.location) : null;
}
