/**
 * URI arithmetic without node's `path` (the server also runs in a browser worker).
 * Works on hierarchical URIs such as file:///home/a/x.mlm or vscode-test-web://mount/x.mlm.
 */

interface SplitUri {
  /** scheme://authority (or scheme: when there is no authority) */
  prefix: string;
  /** decoded path segments; the path is always absolute */
  segments: string[];
  /** query and fragment, kept as written */
  suffix: string;
}

function split(uri: string): SplitUri | null {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:)(\/\/[^/?#]*)?([^?#]*)(.*)$/.exec(uri);
  if (!m) return null;
  const path = m[3] || '/';
  const segments = path
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  return { prefix: m[1] + (m[2] ?? ''), segments, suffix: '' };
}

function join(u: SplitUri): string {
  return u.prefix + '/' + u.segments.map(encodeSegment).join('/') + u.suffix;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** True when a string holds half of a surrogate pair (no file can have such a name; encodeURIComponent throws on it). */
export function hasLoneSurrogate(s: string): boolean {
  LONE_SURROGATE.lastIndex = 0;
  return LONE_SURROGATE.test(s);
}

function encodeSegment(s: string): string {
  // Like VS Code's URI.toString(): encode everything but unreserved characters (and keep ':' in drive letters readable as %3A).
  // A lone surrogate (typed or pasted half of a pair) becomes U+FFFD instead of throwing URIError.
  return encodeURIComponent(s.replace(LONE_SURROGATE, '\uFFFD')).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** A canonical spelling of a URI, for use as a map key (decodes and re-encodes the path; lower-cases a drive letter). */
export function normalizeUri(uri: string): string {
  const s = split(uri);
  if (!s) return uri;
  if (s.segments.length > 0 && /^[A-Za-z]:$/.test(s.segments[0])) s.segments[0] = s.segments[0].toLowerCase();
  return join(s);
}

/** The folder holding a document. */
export function dirnameUri(uri: string): string {
  const s = split(uri);
  if (!s) return uri;
  s.segments.pop();
  return join(s);
}

export function basenameUri(uri: string): string {
  const s = split(uri);
  return s && s.segments.length ? s.segments[s.segments.length - 1] : uri;
}

/**
 * Resolve a relative (or absolute, with '/') file path written in a document against the folder of `base`.
 * Backslashes count as separators. Returns null for a path that is empty or climbs above the root.
 */
export function resolveRelative(base: string, relPath: string): string | null {
  const s = split(base);
  if (!s) return null;
  const p = relPath.trim().replace(/\\/g, '/');
  if (p.length === 0) return null;
  let segments: string[];
  if (/^[A-Za-z]:\//.test(p)) segments = [];
  else if (p.startsWith('/')) segments = [];
  else segments = s.segments.slice(0, -1);
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (segments.length === 0) return null;
      segments.pop();
    } else segments.push(part);
  }
  return join({ prefix: s.prefix, segments, suffix: '' });
}

/** True when `child` is `folder` itself or lies inside it (same scheme and authority). */
export function isInside(folder: string, child: string): boolean {
  const f = split(normalizeUri(folder));
  const c = split(normalizeUri(child));
  if (!f || !c || f.prefix.toLowerCase() !== c.prefix.toLowerCase()) return false;
  if (c.segments.length < f.segments.length) return false;
  return f.segments.every((seg, i) => seg === c.segments[i]);
}

/** The path of `target` relative to the folder of `fromDoc`, with '/' separators (for quick fixes and completion). */
export function relativePath(fromDoc: string, target: string): string {
  const a = split(fromDoc);
  const b = split(target);
  if (!a || !b) return target;
  const from = a.segments.slice(0, -1);
  let i = 0;
  while (i < from.length && i < b.segments.length - 1 && from[i] === b.segments[i]) i++;
  const ups = from.length - i;
  return [...Array<string>(ups).fill('..'), ...b.segments.slice(i)].join('/');
}

/** Decoded path of a URI (for messages): '/home/a/data.csv'. */
export function uriPath(uri: string): string {
  const s = split(uri);
  return s ? '/' + s.segments.join('/') : uri;
}
