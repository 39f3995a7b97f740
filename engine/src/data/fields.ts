/**
 * The fields of a CSV column as written, packed: one string per column and the offset of each field, instead of
 * one string object per field. A table of millions of rows then puts a dozen objects on the JavaScript heap
 * rather than tens of millions, so a full garbage collection takes milliseconds, not seconds (which would
 * freeze a language server holding the table). Read through `packedFields`, an ordinary-looking string[].
 */

/** A column's fields: field i is text.slice(ends[i - 1], ends[i]) (from 0 for i = 0). */
export interface PackedFields {
  text: string;
  ends: Int32Array;
}

/** Collects the fields of one column, a slice of rows at a time. */
export class FieldsBuilder {
  private readonly pieces: string[] = [];
  private ends = new Int32Array(1024);
  private count = 0;
  private length = 0;

  /** Appends fields (one slice of rows). */
  addAll(fields: readonly string[]): void {
    if (this.count + fields.length > this.ends.length) {
      let size = this.ends.length;
      while (size < this.count + fields.length) size *= 2;
      const grown = new Int32Array(size);
      grown.set(this.ends.subarray(0, this.count));
      this.ends = grown;
    }
    for (const f of fields) {
      this.length += f.length;
      this.ends[this.count++] = this.length;
    }
    this.pieces.push(fields.join(''));
  }

  /** The fields packed (the builder is not used afterwards); `packedFields` gives them as a string[]. */
  build(): PackedFields {
    const text = this.pieces.join('');
    this.pieces.length = 0;
    return { text, ends: this.ends.slice(0, this.count) };
  }
}

/**
 * A read-only string[] whose field i is text.slice(ends[i - 1], ends[i]): indexing, length, iteration and the
 * array methods work as on a plain array (a Proxy over an empty array answers them); writes are refused.
 */
export function packedFields(text: string, ends: Int32Array): string[] {
  const n = ends.length;
  const field = (i: number) => text.slice(i === 0 ? 0 : ends[i - 1], ends[i]);
  const index = (p: string | symbol): number => {
    if (typeof p !== 'string' || p.length === 0 || p.length > 10) return -1;
    const c = p.charCodeAt(0);
    if (c < 48 || c > 57 || (c === 48 && p.length > 1)) return -1;
    const i = Number(p);
    return Number.isInteger(i) && i < n ? i : -1;
  };
  return new Proxy<string[]>([], {
    get(target, p, receiver) {
      if (p === 'length') return n; // what the array methods read
      const i = index(p);
      if (i >= 0) return field(i);
      return Reflect.get(target, p, receiver);
    },
    has(target, p) {
      return index(p) >= 0 || Reflect.has(target, p);
    },
    getOwnPropertyDescriptor(target, p) {
      const i = index(p);
      if (i >= 0) return { value: field(i), writable: false, enumerable: true, configurable: true };
      return Reflect.getOwnPropertyDescriptor(target, p);
    },
    ownKeys(target) {
      const keys: (string | symbol)[] = [];
      for (let i = 0; i < n; i++) keys.push(String(i));
      return [...keys, ...Reflect.ownKeys(target)];
    },
    set() {
      return false;
    },
    defineProperty() {
      return false;
    },
    deleteProperty() {
      return false;
    },
  });
}
