/**
 * Base64 for file bytes sent over the language-server protocol (JSON), where the web server asks the client
 * for a binary data file such as Parquet. Plain TypeScript: the engine has no atob/btoa.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Bytes → base64 text (with '=' padding). */
export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 3 * 4096;
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const end = Math.min(bytes.length, start + CHUNK);
    const codes: number[] = [];
    for (let i = start; i < end; i += 3) {
      const a = bytes[i];
      const b = i + 1 < end ? bytes[i + 1] : 0;
      const c = i + 2 < end ? bytes[i + 2] : 0;
      codes.push(ALPHABET.charCodeAt(a >> 2), ALPHABET.charCodeAt(((a & 3) << 4) | (b >> 4)));
      codes.push(i + 1 < end ? ALPHABET.charCodeAt(((b & 15) << 2) | (c >> 6)) : 61);
      codes.push(i + 2 < end ? ALPHABET.charCodeAt(c & 63) : 61);
    }
    parts.push(String.fromCharCode(...codes));
  }
  return parts.join('');
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
