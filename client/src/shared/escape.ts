/**
 * The one HTML escaper used by every renderer (tables, plots, data preview). Any string that comes
 * from data, files or fits goes through it, in text and in attribute values alike.
 */
const MAP: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(value: unknown): string {
  const s = value === null || value === undefined ? '' : String(value);
  return s.replace(/[&<>"'`]/g, (c) => MAP[c]);
}
