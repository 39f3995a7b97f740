// Files written in the web workbench land in the served folder on disk.
// @vscode/test-web mounts the workspace folder through its own file-system extension
// (fs-provider, scheme vscode-test-web), which reads over HTTP (/static/mount/...) but keeps every
// write in the browser's memory. Here (1) the server gets write routes under /static/mount
// (POST ?write with the bytes, ?mkdir, ?delete, ?renameTo=), accepted only from the workbench's
// origin (or its *.localhost subdomains, where the extension host runs) and only inside the folder, and (2) the workbench loads a copy of test-web's extension
// whose writeFile / createDirectory / delete / rename first do what they did (the in-memory copy,
// with its checks) and then send the change to those routes.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';

const MOUNT = '/static/mount';
const FS_EXTENSION = '/static/extensions/fs';

/** The methods of test-web's in-memory provider that change files, wrapped to write through. */
const WRAPS = [
  ['async writeFile(uri, content, opts) {', 'async writeFile(uri, content, opts) { await this.__memWriteFile(uri, content, opts); await __mlmSync(uri, "write", content); }\n    async __memWriteFile(uri, content, opts) {'],
  ['async createDirectory(uri) {', 'async createDirectory(uri) { await this.__memCreateDirectory(uri); await __mlmSync(uri, "mkdir"); }\n    async __memCreateDirectory(uri) {'],
  ['async delete(uri, opts) {', 'async delete(uri, opts) { await this.__memDelete(uri, opts); await __mlmSync(uri, "delete"); }\n    async __memDelete(uri, opts) {'],
  ['async rename(from, to, opts) {', 'async rename(from, to, opts) { await this.__memRename(from, to, opts); await __mlmSync(from, "renameTo=" + encodeURIComponent(to.path)); }\n    async __memRename(from, to, opts) {'],
  ['function activate(context) {', 'function activate(context) { __mlmServer = context.extensionUri.with({ path: "/static/mount", query: "", fragment: "" }).toString(true);'],
];

const HELPER = `var __mlmServer = "";
async function __mlmSync(uri, query, body) {
  const url = __mlmServer + uri.path.split("/").map(encodeURIComponent).join("/") + "?" + query;
  // a plain POST without custom headers: no CORS preflight (the server checks the Origin)
  const res = await fetch(url, { method: "POST", body });
  if (!res.ok) throw new Error("could not write " + uri.path + " to the served folder: " + res.status + " " + (await res.text()));
}
`;

/**
 * A copy of test-web's fs-provider extension whose writes go through to disk, in `outDir`.
 * Returns null (with a warning) when test-web's bundle does not have the expected methods.
 */
export function writeThroughExtension(outDir) {
  const require = createRequire(import.meta.url);
  const src = join(dirname(require.resolve('@vscode/test-web/package.json')), 'fs-provider');
  const main = join(src, 'dist', 'fsExtensionMain.js');
  let code = readFileSync(main, 'utf8');
  for (const [from, to] of WRAPS) {
    if (code.split(from).length !== 2) {
      console.warn(`warning: @vscode/test-web's file system extension changed (no single '${from}'); files written in the workbench stay in memory.`);
      return null;
    }
    code = code.replace(from, to);
  }
  mkdirSync(join(outDir, 'dist'), { recursive: true });
  for (const f of ['package.json', 'package.nls.json']) if (existsSync(join(src, f))) cpSync(join(src, f), join(outDir, f));
  writeFileSync(join(outDir, 'dist', 'fsExtensionMain.js'), HELPER + code);
  return outDir;
}

function readBody(req) {
  return new Promise((res, rej) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => res(Buffer.concat(chunks)));
    req.on('error', rej);
  });
}

/** The file under `root` named by a mount path, or null when it would leave the folder. */
export function insideFolder(root, mountPath) {
  let rel;
  try {
    rel = decodeURIComponent(mountPath);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  const base = resolve(root);
  const p = resolve(base, `.${rel.startsWith('/') ? '' : '/'}${rel}`);
  const r = relative(base, p);
  if (r === '' || r.startsWith('..') || r.split(sep).includes('..')) return null;
  return p;
}

/**
 * Koa middleware: the write routes under /static/mount and our copy of the fs extension (served
 * before test-web's own). `origin` is the workbench's address (http://host:port): a write from any
 * other origin (another web page in the same browser) is refused; browsers always send Origin with a POST.
 */
export function writeThroughMiddleware(folder, extensionDir, origin) {
  const send = createRequire(import.meta.url)('koa-send');
  const u = new URL(origin);
  const allowed = (o) => {
    if (o === origin) return true;
    try {
      const x = new URL(o);
      return x.protocol === u.protocol && x.port === u.port && x.hostname.endsWith(`.${u.hostname}`) && /^[a-z0-9-]+$/i.test(x.hostname.slice(0, -u.hostname.length - 1));
    } catch {
      return false;
    }
  };
  return async (ctx, next) => {
    if (extensionDir && ctx.method === 'GET' && ctx.path.startsWith(`${FS_EXTENSION}/`)) {
      const rel = ctx.path.slice(FS_EXTENSION.length + 1);
      if (existsSync(join(extensionDir, rel))) return send(ctx, rel, { root: extensionDir });
      return next();
    }
    if (!ctx.path.startsWith(`${MOUNT}/`) || ctx.method !== 'POST') return next();
    if (!allowed(ctx.get('Origin'))) {
      ctx.status = 403;
      ctx.body = 'writes are accepted from the workbench only';
      return;
    }
    const target = insideFolder(folder, ctx.path.slice(MOUNT.length));
    if (!target) {
      ctx.status = 400;
      ctx.body = 'not a path inside the served folder';
      return;
    }
    try {
      if (ctx.query.write !== undefined) {
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, await readBody(ctx.req));
      } else if (ctx.query.delete !== undefined) {
        await rm(target, { recursive: true, force: true });
      } else if (ctx.query.mkdir !== undefined) {
        await mkdir(target, { recursive: true });
      } else if (typeof ctx.query.renameTo === 'string') {
        const to = insideFolder(folder, ctx.query.renameTo);
        if (!to) {
          ctx.status = 400;
          ctx.body = 'not a path inside the served folder';
          return;
        }
        await mkdir(dirname(to), { recursive: true });
        await rename(target, to);
      } else {
        ctx.status = 400;
        ctx.body = 'unknown write';
        return;
      }
      ctx.status = 204;
    } catch (e) {
      ctx.status = 500;
      ctx.body = String(e?.code ?? e);
    }
  };
}
