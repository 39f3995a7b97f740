/**
 * Base64 for file bytes sent over the language-server protocol (JSON), where the web server asks the client
 * for a binary data file such as Parquet. Plain TypeScript: the engine has no atob/btoa.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ENCODE = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Bytes → base64 text (with '=' padding). */
export function bytesToBase64(bytes: Uint8Array): string {
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const x = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out[o++] = ENCODE[x >> 18];
    out[o++] = ENCODE[(x >> 12) & 63];
    out[o++] = ENCODE[(x >> 6) & 63];
    out[o++] = ENCODE[x & 63];
  }
  if (i < n) {
    const x = (bytes[i] << 16) | (i + 1 < n ? bytes[i + 1] << 8 : 0);
    out[o++] = ENCODE[x >> 18];
    out[o++] = ENCODE[(x >> 12) & 63];
    out[o++] = i + 1 < n ? ENCODE[(x >> 6) & 63] : 61;
    out[o++] = 61;
  }
  // every byte is ASCII, so any single-byte decoding gives the same text
  return new TextDecoder('ascii').decode(out);
}

/** Base64 text → bytes; null when the text is not base64 (a character outside the alphabet, a wrong length). */
export function base64ToBytes(text: string): Uint8Array | null {
  if (text.length % 4 !== 0) return null;
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  const body = text.length - (pad > 0 ? 4 : 0);
  const val = (i: number): number => {
    const ch = text.charCodeAt(i);
    return ch < 128 ? DECODE[ch] : -1;
  };
  let o = 0;
  for (let i = 0; i < body; i += 4) {
    const a = val(i), b = val(i + 1), c = val(i + 2), d = val(i + 3);
    if ((a | b | c | d) < 0) return null;
    const x = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = x >> 16;
    out[o++] = (x >> 8) & 255;
    out[o++] = x & 255;
  }
  if (pad > 0) {
    const a = val(body), b = val(body + 1), c = pad === 1 ? val(body + 2) : 0;
    if ((a | b | c) < 0) return null;
    const x = (a << 18) | (b << 12) | (c << 6);
    out[o++] = x >> 16;
    if (pad === 1) out[o++] = (x >> 8) & 255;
  }
  return out;
}
