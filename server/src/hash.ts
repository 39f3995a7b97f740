/** FNV-1a (32-bit) over UTF-16 code units, with the length mixed in: cheap content keys for caches. */
export function hashText(text: string): string {
  return hashKey(fnv(0x811c9dc5, text, 0, text.length), text);
}

/** hashText of a large text, handing the event loop back every few million characters (the same value). */
export async function hashTextAsync(text: string, sliceChars = 1 << 22): Promise<string> {
  let h = 0x811c9dc5;
  for (let start = 0; start < text.length; start += sliceChars) {
    const end = Math.min(text.length, start + sliceChars);
    h = fnv(h, text, start, end);
    if (end < text.length) await new Promise<void>((resolve) => setTimeout(resolve, 0));
  }
  return hashKey(h, text);
}

function fnv(h: number, text: string, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}

function hashKey(h: number, text: string): string {
  return (h >>> 0).toString(16) + ':' + text.length.toString(16);
}
