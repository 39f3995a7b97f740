import type { Connection } from 'vscode-languageserver';

/** Runs a handler; on any exception logs it and returns the fallback, so the server never crashes. */
export async function safely<T>(connection: Connection, what: string, fallback: T, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    try {
      connection.console.error(`mlm: ${what} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    } catch {
      // the connection may be closing
    }
    return fallback;
  }
}
