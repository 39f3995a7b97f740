import { openWorkbench, openFile, goTo, runCommand, webviewFrame } from './workbench';
(async () => {
const wb = await openWorkbench();
const { page } = wb;
try {
await openFile(page, 'sleepstudy.mlm');
const t0 = Date.now();
await runCommand(page, 'MLM: Compare Models');
const frame = await webviewFrame(page, 'Chisq', 120000);
console.log('shown after', Date.now() - t0);
console.log(await frame.evaluate(() => [...document.querySelectorAll('table')].filter(t => /compar|anova|Chisq/i.test(t.textContent ?? '')).map((t) => t.outerHTML.replace(/ title="[^"]*"/g, '')).join('\n----\n')));
const t = frame.locator('table', { hasText: 'Chisq' }).first();
await t.scrollIntoViewIfNeeded();
await page.waitForTimeout(1000);
await wb.shot('x-compare');
} finally { await wb.close(); }
})();
