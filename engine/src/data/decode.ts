/**
 * Bytes of a data file -> text, shared by every reader (CLI, node server, web client): UTF-8 with or
 * without a byte-order mark, and UTF-16 (little or big endian) with one. Also the largest file that
 * can be read at all: a JavaScript string holds at most 2^29 - 24 UTF-16 code units.
 */

/** Bytes beyond which a file cannot become one JavaScript string (V8's string length limit). */
export const MAX_DATA_BYTES = 2 ** 29 - 24;

/** Bytes beyond which a binary file cannot travel as base64 text (4 characters for every 3 bytes) in one string. */
export const MAX_BINARY_BYTES = Math.floor(MAX_DATA_BYTES / 4) * 3;

/** Decodes a file's bytes by its byte-order mark (UTF-16 LE/BE, UTF-8); UTF-8 when it has none. */
export function decodeText(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  return new TextDecoder('utf-8').decode(bytes);
}

function megabytes(n: number): string {
  return `${Math.round(n / 1e6)} MB`;
}

/**
 * Why a file cannot be read as data, from what a stat tells (null when it can): not a regular file
 * (a folder, a device such as /dev/zero, a pipe), or larger than a JavaScript string can hold (`binary`: as base64).
 */
export function refuseDataFile(name: string, info: { isFile: boolean; size: number }, binary = false): string | null {
  if (!info.isFile) return `'${name}' is not a regular file (a folder, device or pipe cannot be read as data)`;
  const max = binary ? MAX_BINARY_BYTES : MAX_DATA_BYTES;
  if (info.size > max) {
    return `'${name}' is ${megabytes(info.size)}; the largest data file that can be read is ${megabytes(max)} (the limit of a JavaScript string${binary ? ', as base64' : ''}): use a subset of the rows or columns`;
  }
  return null;
}
