/**
 * The data preview's rows (part of the page script): a window onto all rows of the CSV. Only the
 * rows in view (and a few around them) are in the page; two spacer rows, sized through the CSSOM
 * (the CSP allows no style attributes), stand for the others, so the scroll bar spans every row.
 * Rows come in pages from the extension (message 'dataRows'), which the language server sorts and
 * filters (mlm/dataRows); a header click sorts, the filter box filters, and a group level hovered in
 * the results panel ('linkedLevel', relayed by the extension) marks its rows and offers to show only them.
 */
import type { WebviewMessage } from '../shared/messages';

type Query = Pick<Extract<WebviewMessage, { type: 'dataRows' }>, 'sort' | 'filter' | 'match'>;
interface Row {
  n: number;
  cells: string[];
}

/** Rows per request. */
const PAGE = 100;
/** Rows drawn above and below the visible ones. */
const BUFFER = 15;
/** Tallest scroll height used (browsers cap element heights near 33 million px); beyond it the scroll bar is scaled. */
const MAX_HEIGHT = 8_000_000;

export interface DataTableView {
  /** A page of rows arrived (validated by the caller). */
  receive(m: { id: number; total: number; offset: number; rows: Row[] }): void;
  /** A group level hovered or focused in the results panel (null: none). */
  linked(group: string | null, level: string | null): void;
  /** A header click. */
  sortBy(th: HTMLTableCellElement): void;
  /** The filter box changed. */
  filter(text: string): void;
  /** A click on the linked-level bar's buttons. */
  showLevel(only: boolean): void;
}

export function dataTableView(post: (m: WebviewMessage) => void): DataTableView | null {
  const viewport = document.getElementById('rows-viewport');
  const table = viewport?.querySelector('table');
  const body = table?.tBodies[0];
  const head = table?.tHead?.rows[0];
  if (!viewport || !table || !body || !head) return null;
  const heads = Array.from(head.cells);
  const columns = heads.slice(1).map((th) => ({ name: th.dataset.column ?? '', numeric: th.dataset.type === 'numeric' }));
  const status = document.getElementById('rows-status');
  const bar = document.getElementById('linked-level');
  const allRows = Number(viewport.dataset.total) || 0;

  let total = allRows;
  let query: Query = { sort: null, filter: '', match: null };
  let generation = 1;
  /** Pages of the current query by page index; requested ones are null until they arrive. */
  let pages = new Map<number, Row[] | null>();
  let marked: { columns: number[]; values: string[]; label: string; group: string; level: string } | null = null;

  // The rows sent with the page are the first page of the unsorted, unfiltered table.
  const first: Row[] = Array.from(body.rows).map((tr) => ({ n: Number(tr.dataset.row), cells: Array.from(tr.cells).slice(1).map((c) => c.textContent ?? '') }));
  if (first.length >= Math.min(PAGE, allRows)) pages.set(0, first.slice(0, PAGE));

  const rowHeight = (): number => {
    const tr = body.querySelector<HTMLElement>('tr[data-row]');
    return tr && tr.offsetHeight > 0 ? tr.offsetHeight : 22;
  };
  let rowH = rowHeight();

  const spacer = (): { tr: HTMLTableRowElement; td: HTMLTableCellElement } => {
    const tr = document.createElement('tr');
    tr.className = 'spacer';
    tr.setAttribute('aria-hidden', 'true');
    const td = document.createElement('td');
    td.colSpan = heads.length;
    tr.appendChild(td);
    return { tr, td };
  };
  const top = spacer();
  const bottom = spacer();

  function rowElement(r: Row | undefined, index: number): HTMLTableRowElement {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.scope = 'row';
    th.className = 'num';
    if (!r) {
      tr.className = 'loading';
      th.textContent = '\u2026';
      tr.appendChild(th);
      for (let j = 0; j < columns.length; j++) tr.appendChild(document.createElement('td'));
      return tr;
    }
    tr.dataset.row = String(r.n);
    tr.setAttribute('aria-rowindex', String(index + 2));
    th.textContent = String(r.n);
    tr.appendChild(th);
    columns.forEach((c, j) => {
      const td = document.createElement('td');
      if (c.numeric) td.className = 'num';
      td.textContent = r.cells[j] ?? '';
      tr.appendChild(td);
    });
    if (marked && marked.columns.every((j, k) => r.cells[j] === marked!.values[k])) tr.classList.add('linked-row');
    return tr;
  }

  function request(page: number): void {
    if (pages.has(page) || page < 0 || page * PAGE >= Math.max(total, 1)) return;
    pages.set(page, null);
    post({ type: 'dataRows', id: generation * 100_000 + page, offset: page * PAGE, count: PAGE, ...query });
  }

  function rowAt(i: number): Row | undefined {
    return pages.get(Math.floor(i / PAGE))?.[i % PAGE];
  }

  let drawn = '';
  function draw(): void {
    rowH = rowHeight();
    const viewH = viewport!.clientHeight || 400;
    const full = total * rowH;
    const height = Math.min(full, MAX_HEIGHT);
    const scale = full > height && full > viewH ? (height - viewH) / (full - viewH) : 1;
    const bodyTop = table!.offsetTop + body!.offsetTop;
    const pos = Math.max(0, viewport!.scrollTop - bodyTop);
    const exact = pos / scale;
    const firstRow = Math.min(Math.max(0, total - 1), Math.floor(exact / rowH));
    const frac = exact - firstRow * rowH;
    const from = Math.max(0, firstRow - BUFFER);
    const to = Math.min(total, firstRow + Math.ceil(viewH / rowH) + BUFFER);
    for (let p = Math.floor(from / PAGE); p <= Math.floor(Math.max(from, to - 1) / PAGE); p++) request(p);
    const key = `${generation}:${from}:${to}:${[...pages.values()].filter(Boolean).length}:${marked?.label ?? ''}`;
    const topH = Math.max(0, scale === 1 ? from * rowH : pos - frac - (firstRow - from) * rowH);
    top.td.style.height = `${topH}px`;
    bottom.td.style.height = `${Math.max(0, height - topH - (to - from) * rowH)}px`;
    if (key === drawn) return;
    drawn = key;
    const rows: HTMLTableRowElement[] = [top.tr];
    for (let i = from; i < to; i++) rows.push(rowElement(rowAt(i), i));
    rows.push(bottom.tr);
    body!.replaceChildren(...rows);
    table!.setAttribute('aria-rowcount', String(total + 1));
  }

  let scheduled = false;
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      draw();
    });
  };
  viewport.addEventListener('scroll', schedule, { passive: true });
  window.addEventListener('resize', schedule);

  function describe(): void {
    if (!status) return;
    const parts: string[] = [];
    if (query.match && marked) parts.push(`rows of ${marked.label}`);
    if (query.filter) parts.push(`containing \u201c${query.filter}\u201d`);
    status.textContent = parts.length ? `${total} of ${allRows} rows: ${parts.join(', ')}` : '';
  }

  function restart(q: Query): void {
    query = q;
    generation++;
    pages = new Map();
    drawn = '';
    viewport!.scrollTop = 0;
    request(0);
    draw();
  }

  function matchFor(group: string, level: string): { columns: number[]; values: string[] } | null {
    const names = columns.map((c) => c.name);
    if (names.includes(group)) return { columns: [names.indexOf(group)], values: [level] };
    // an interaction of grouping columns (a:b) has levels 'x:y'
    const parts = group.split(':');
    const values = level.split(':');
    if (parts.length > 1 && parts.length === values.length && parts.every((p) => names.includes(p))) return { columns: parts.map((p) => names.indexOf(p)), values };
    return null;
  }

  draw();

  return {
    receive(m) {
      const gen = Math.floor(m.id / 100_000);
      if (gen !== generation) return; // an answer to an earlier sort or filter
      total = m.total;
      const page = Math.floor(m.offset / PAGE);
      pages.set(page, m.rows);
      describe();
      draw();
    },
    linked(group, level) {
      // The last level hovered stays marked (the pointer leaves the results panel on its way here).
      if (group === null || level === null || !bar) return;
      const m = matchFor(group, level);
      const text = bar.querySelector('.linked-text');
      bar.hidden = false;
      if (!m) {
        marked = null;
        if (text) text.textContent = `${group} ${level} is highlighted in the results; ${group} is not a column of this data.`;
        bar.querySelector<HTMLElement>('.show-level')!.hidden = true;
      } else {
        marked = { ...m, label: `${group} ${level}`, group, level };
        if (text) text.textContent = `${group} ${level}: its rows are marked (hovered in the results).`;
        bar.querySelector<HTMLElement>('.show-level')!.hidden = false;
      }
      drawn = '';
      draw();
    },
    sortBy(th) {
      const descending = th.getAttribute('aria-sort') === 'ascending';
      for (const h of heads) h.removeAttribute('aria-sort');
      th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
      restart({ ...query, sort: { column: th.dataset.column ?? '', descending } });
    },
    filter(text) {
      restart({ ...query, filter: text.trim() });
    },
    showLevel(only) {
      if (only && !marked) return;
      restart({ ...query, match: only && marked ? { columns: marked.columns.map((j) => columns[j].name), values: marked.values } : null });
      bar?.querySelector<HTMLElement>('.show-all-rows')?.toggleAttribute('hidden', !only);
      describe();
    },
  };
}
