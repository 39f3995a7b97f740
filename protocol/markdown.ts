/**
 * Escaping for Markdown that shows text taken from the data or the user's files: the hovers and completion
 * documentation of the language server and the Markdown export of the results. Column names, factor levels,
 * model and file names are shown as literal text: no link (`[run](command:…)`), no image (`![t](https://…)` would
 * be a tracking pixel), no HTML, no emphasis. Shared by server/ and client/ (pure, no imports).
 */

/**
 * Text as literal Markdown inside a line: the characters that open links, images, HTML, entities, emphasis,
 * code spans, table cells and headings are backslash-escaped; line breaks become spaces (no new block can start).
 */
export function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]<>&|!#~]/g, '\\$&').replace(/\r?\n|\r/g, ' ');
}

/** Text as an inline code span whose fence no backtick inside it can close (code spans render nothing else). */
export function markdownCode(s: string): string {
  const flat = s.replace(/\r?\n|\r/g, ' ');
  let longest = 0;
  for (const run of flat.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat === '' ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}
