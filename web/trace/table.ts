// Sortable tables of the trace report (src/report/trace-html.ts traceTableHtml): click
// (or Enter on) a header to sort by that column, again to reverse. Numeric cells carry
// their raw value in data-v; text cells sort by their text.
export function sortTable(table: HTMLTableElement, col: number, dir?: 'ascending' | 'descending'): void {
  const ths = Array.from(table.tHead?.rows[0]?.cells ?? []);
  const th = ths[col];
  const body = table.tBodies[0];
  if (!th || !body) return;
  const numeric = th.getAttribute('data-unit') !== 'text';
  const cur = th.getAttribute('aria-sort');
  // Numbers start largest first, text A to Z.
  const d = dir ?? (cur === 'none' || cur === null ? (numeric ? 'descending' : 'ascending') : cur === 'ascending' ? 'descending' : 'ascending');
  const rows = Array.from(body.rows);
  const key = (r: HTMLTableRowElement): number | string => {
    const c = r.cells[col];
    if (!c) return numeric ? -Infinity : '';
    if (numeric) {
      const v = c.getAttribute('data-v');
      return v === null ? -Infinity : Number(v);
    }
    return c.textContent ?? '';
  };
  const keyed = rows.map((r, i) => ({ r, i, k: key(r) }));
  const sign = d === 'ascending' ? 1 : -1;
  keyed.sort((a, b) => {
    const c = numeric ? (a.k as number) - (b.k as number) : (a.k as string).localeCompare(b.k as string);
    return c !== 0 && !Number.isNaN(c) ? c * sign : a.i - b.i;
  });
  const frag = document.createDocumentFragment();
  for (const x of keyed) frag.appendChild(x.r);
  body.appendChild(frag);
  for (const h of ths) h.setAttribute('aria-sort', 'none');
  th.setAttribute('aria-sort', d);
}

export function initTables(): void {
  for (const table of Array.from(document.querySelectorAll<HTMLTableElement>('table[data-goscope-table]'))) {
    const ths = Array.from(table.tHead?.rows[0]?.cells ?? []);
    ths.forEach((th, i) => {
      th.addEventListener('click', () => sortTable(table, i));
      th.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter' || ev.key === ' ') {
          ev.preventDefault();
          sortTable(table, i);
        }
      });
    });
  }
}
