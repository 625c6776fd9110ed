/**
 * The results: a fixed-row-height virtual list over the page cache, with the ARIA
 * grid pattern (`aria-rowcount` = all rows, `aria-rowindex` on the rendered ones, a
 * roving tabindex), keys Up/Down/Home/End/PageUp/PageDown/Enter, sortable column
 * headers, a live region saying how many results there are, and the states of the
 * search (loading, empty naming the filters, catalogue down with Retry).
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import {
  CatalogueRequestError,
  IInvestigationRow,
  PageCacheChange,
  describeFilters,
  formatCount,
  getWindow,
  isReleased,
  moveByKey,
  scrollToRow
} from '../api';
import { COLUMNS, ColumnId, getCellText, getGridTemplate, getGridWidth } from '../columns';
import { embargoedIcon, publicIcon } from '../icons';
import type { CatalogueModel } from '../model';
import { button, clear, el, iconNode } from './dom';

/** Height of a row and of the header, in pixels (CSS uses the same number). */
export const ROW_HEIGHT = 28;
/** Rows rendered above and below the visible ones. */
const OVERSCAN = 10;

/** Sort direction a column starts with. */
const FIRST_DESCENDING = new Set(['startDate', 'endDate', 'releaseDate', 'fileSize', 'fileCount']);

export class ResultsWidget extends Widget {
  constructor(
    private readonly model: CatalogueModel,
    private readonly trans: TranslationBundle
  ) {
    super();
    const __ = trans.__.bind(trans);
    this.addClass('panhub-CatalogueResults');
    this.title.label = __('Results');

    this._status = el('div', {
      className: 'panhub-CatalogueResults-status',
      attrs: { role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' }
    });
    this._message = el('div', { className: 'panhub-CatalogueResults-message', attrs: { hidden: true } });
    this._header = el('div', {
      className: 'panhub-CatalogueResults-header',
      attrs: { role: 'row', 'aria-rowindex': 1 }
    });
    this._spacer = el('div', { className: 'panhub-CatalogueResults-spacer', attrs: { role: 'presentation' } });
    this._rows = el('div', { className: 'panhub-CatalogueResults-rows', attrs: { role: 'rowgroup' } });
    this._grid = el(
      'div',
      {
        className: 'panhub-CatalogueResults-grid',
        attrs: { role: 'grid', 'aria-label': __('Investigations'), 'aria-rowcount': 1, tabindex: 0 }
      },
      el('div', { className: 'panhub-CatalogueResults-headerGroup', attrs: { role: 'rowgroup' } }, this._header),
      this._spacer,
      this._rows
    );
    this.node.append(this._status, this._message, this._grid);

    this._grid.addEventListener('scroll', () => this._schedule());
    this._grid.addEventListener('keydown', event => this._onKey(event));
    this._rows.addEventListener('click', event => this._onClick(event));
    this._rows.addEventListener('focusin', event => {
      const index = this._indexOf(event.target as Element);
      if (index !== null && index !== this._active) {
        this._active = index;
        this._render();
      }
    });

    model.searchChanged.connect(this._onSearch, this);
    model.rowsChanged.connect(this._onRows, this);
    model.columnsChanged.connect(this._buildColumns, this);
    model.connectionChanged.connect(() => this._render(), this);
    model.selectionChanged.connect(() => this._render(), this);
    this._buildColumns();
  }

  /** Called when the Logbook cell of a row is clicked (after the row is selected). */
  onOpenLogbook: (() => void) | null = null;

  /** The row the keyboard is on. */
  get activeIndex(): number {
    return this._active;
  }

  /** Move focus into the list (the active row, else the grid). */
  focusList(): void {
    this._focusActive(true);
  }

  /** The investigation of a context-menu target inside the list, if any. */
  rowAt(node: Element | null): IInvestigationRow | undefined {
    const index = node ? this._indexOf(node) : null;
    return index === null ? undefined : this.model.cache.getRow(index);
  }

  protected onAfterShow(msg: Message): void {
    this._schedule();
  }

  protected onResize(msg: Widget.ResizeMessage): void {
    this._schedule();
  }

  dispose(): void {
    cancelAnimationFrame(this._frame);
    super.dispose();
  }

  // ---- events

  private _onSearch(): void {
    this._active = 0;
    this._grid.scrollTop = 0;
    this._announced = false;
    this._render();
  }

  private _onRows(_: CatalogueModel, change: PageCacheChange): void {
    if (change.kind === 'total' && change.previous !== null) {
      // the catalogue changed between pages: keep the place, clamp to the new total
      this._active = Math.min(this._active, Math.max(0, change.total - 1));
    }
    if (change.kind === 'total') {
      this._announced = false;
    }
    this._schedule();
  }

  private _onKey(event: KeyboardEvent): void {
    const total = this.model.cache.total ?? 0;
    if (event.target !== this._grid && !this._rows.contains(event.target as Node)) {
      return; // keys in header buttons and the message keep their meaning
    }
    if (event.key === 'Enter' || event.key === ' ') {
      const row = this.model.cache.getRow(this._active);
      if (row) {
        event.preventDefault();
        this.model.select(row.id);
      }
      return;
    }
    const next = moveByKey(event.key, this._active, total, this._window().pageRows);
    if (next === null) {
      return;
    }
    event.preventDefault();
    this._active = next;
    this._grid.scrollTop = scrollToRow(this._input(), next);
    this._render();
    this._focusActive(false);
  }

  private _onClick(event: MouseEvent): void {
    const target = event.target as Element;
    const index = this._indexOf(target);
    if (index === null) {
      return;
    }
    this._active = index;
    const row = this.model.cache.getRow(index);
    if (row) {
      this.model.select(row.id);
      if (target.closest('.panhub-mod-logbook')) {
        this.onOpenLogbook?.();
      }
    }
    this._render();
    this._focusActive(false);
  }

  // ---- rendering

  private _buildColumns(): void {
    const __ = this.trans.__.bind(this.trans);
    const columns = this.model.columns;
    this._columns = columns;
    const template = getGridTemplate(columns);
    const width = `${getGridWidth(columns)}px`;
    this._grid.setAttribute('aria-colcount', String(columns.length));
    this._header.style.gridTemplateColumns = template;
    this._header.style.width = width;
    this._spacer.style.width = width;
    this._rows.style.width = width;
    clear(this._header);
    for (const [i, id] of columns.entries()) {
      const column = COLUMNS.find(c => c.id === id)!;
      const label = __(column.label);
      const cell = el('div', {
        className: `panhub-CatalogueResults-columnheader panhub-mod-${id}`,
        attrs: { role: 'columnheader', 'aria-colindex': i + 1, 'data-column': id }
      });
      if (column.sort) {
        const sort = column.sort;
        cell.appendChild(
          button(label, () => {
            const current = this.model.sort;
            const descending =
              current.field === sort ? !current.descending : FIRST_DESCENDING.has(sort);
            this.model.setSort({ field: sort, descending });
          }, { className: 'panhub-CatalogueResults-sort', title: __('Sort by %1', label) })
        );
        cell.appendChild(el('span', { className: 'panhub-CatalogueResults-arrow', attrs: { 'aria-hidden': 'true' } }));
      } else {
        cell.appendChild(el('span', { text: label, attrs: { title: __('The catalogue cannot sort by %1', label) } }));
      }
      this._header.appendChild(cell);
    }
    clear(this._rows);
    this._pool = [];
    this._render();
  }

  private _updateSortHeaders(): void {
    const sort = this.model.sort;
    for (const cell of Array.from(this._header.children) as HTMLElement[]) {
      const column = COLUMNS.find(c => c.id === cell.dataset.column);
      if (!column?.sort) {
        continue;
      }
      const active = column.sort === sort.field;
      const ariaSort = active ? (sort.descending ? 'descending' : 'ascending') : 'none';
      if (cell.getAttribute('aria-sort') !== ariaSort) {
        cell.setAttribute('aria-sort', ariaSort);
      }
      // written only when it changes: this runs every frame of a scroll, and a new text
      // node would make the next read of the grid's geometry lay the page out again
      const arrow = cell.querySelector('.panhub-CatalogueResults-arrow');
      const text = active ? (sort.descending ? '▼' : '▲') : '';
      if (arrow && arrow.textContent !== text) {
        arrow.textContent = text;
      }
    }
  }

  private _input() {
    return {
      total: this.model.cache.total ?? 0,
      rowHeight: ROW_HEIGHT,
      viewportHeight: this._grid.clientHeight || ROW_HEIGHT * 12,
      scrollTop: this._grid.scrollTop,
      headerHeight: ROW_HEIGHT,
      overscan: OVERSCAN
    };
  }

  private _window() {
    return getWindow(this._input());
  }

  private _schedule(): void {
    if (this._frame) {
      return;
    }
    this._frame = requestAnimationFrame(() => {
      this._frame = 0;
      this._render();
    });
  }

  private _render(): void {
    if (this.isDisposed) {
      return;
    }
    const cache = this.model.cache;
    const total = cache.total;
    this._updateSortHeaders();
    this._renderState();
    const win = this._window();
    this._grid.setAttribute('aria-rowcount', String((total ?? 0) + 1));
    this._grid.setAttribute('aria-busy', cache.inFlight !== null ? 'true' : 'false');
    this._spacer.style.height = `${Math.max(0, win.contentHeight - ROW_HEIGHT)}px`;
    if (this.model.connection === 'ready') {
      if (total === null) {
        cache.ensure(0, 99);
      } else {
        cache.ensure(win.first, win.last, win.firstVisible, win.lastVisible);
      }
    }
    const count = total === null ? 0 : win.last - win.first + 1;
    while (this._pool.length < count) {
      const row = this._makeRow();
      this._pool.push(row);
      this._rows.appendChild(row);
    }
    this._rows.style.transform = `translateY(${win.top - ROW_HEIGHT}px)`;
    let activeRendered = false;
    for (let k = 0; k < this._pool.length; k++) {
      const node = this._pool[k];
      if (k >= count) {
        node.hidden = true;
        continue;
      }
      const index = win.first + k;
      node.hidden = false;
      const active = index === this._active;
      activeRendered = activeRendered || active;
      this._fillRow(node, index, cache.getRow(index), active);
    }
    this._grid.tabIndex = activeRendered ? -1 : 0;
  }

  private _renderState(): void {
    const __ = this.trans.__.bind(this.trans);
    const cache = this.model.cache;
    const total = cache.total;
    const error = cache.error;
    clear(this._message);
    this._message.hidden = true;
    if (this.model.connection !== 'ready') {
      this._status.textContent = this.model.connection === 'checking' ? __('Connecting to the catalogue…') : '';
      this._grid.hidden = true;
      return;
    }
    if (error) {
      const text =
        error instanceof CatalogueRequestError && error.isUnavailable
          ? __('The catalogue is not answering: %1', error.message)
          : __('The search failed: %1', (error as Error)?.message ?? String(error));
      this._showMessage(text, 'jp-mod-error', button(__('Retry'), () => cache.retry(), { className: 'panhub-CatalogueResults-retry' }));
      this._status.textContent = __('Search failed');
      this._grid.hidden = total === null;
      return;
    }
    if (total === null) {
      this._status.textContent = __('Searching…');
      this._grid.hidden = true;
      return;
    }
    this._grid.hidden = total === 0;
    if (!this._announced) {
      this._announced = true;
      this._status.textContent = total === 1 ? __('1 result') : __('%1 results', formatCount(total));
    }
    if (total === 0) {
      const active = describeFilters(this.model.filters, __);
      const text = active.length
        ? __('No investigations match: %1.', active.join(', '))
        : __('The catalogue shows you no investigations.');
      this._showMessage(
        text,
        'panhub-mod-empty',
        active.length ? button(__('Clear filters'), () => this.model.clearFilters()) : null
      );
    }
  }

  private _showMessage(text: string, className: string, action: HTMLElement | null): void {
    this._message.hidden = false;
    this._message.className = `panhub-CatalogueResults-message ${className}`;
    this._message.append(el('p', { text }), ...(action ? [action] : []));
  }

  private _makeRow(): HTMLElement {
    const row = el('div', {
      className: 'panhub-CatalogueResults-row',
      attrs: { role: 'row', tabindex: -1 }
    });
    row.style.gridTemplateColumns = getGridTemplate(this._columns);
    for (const [i, id] of this._columns.entries()) {
      row.appendChild(
        el('div', {
          className: `panhub-CatalogueResults-cell panhub-mod-${id}`,
          attrs: { role: 'gridcell', 'aria-colindex': i + 1 }
        })
      );
    }
    return row;
  }

  private _fillRow(node: HTMLElement, index: number, row: IInvestigationRow | undefined, active: boolean): void {
    const __ = this.trans.__.bind(this.trans);
    node.setAttribute('aria-rowindex', String(index + 2));
    node.dataset.index = String(index);
    node.tabIndex = active ? 0 : -1;
    node.classList.toggle('jp-mod-active', active);
    const selected = row !== undefined && row.id === this.model.selectedId;
    node.setAttribute('aria-selected', selected ? 'true' : 'false');
    node.classList.toggle('jp-mod-selected', selected);
    const key = row ? `${row.id}` : 'loading';
    if (node.dataset.key === key && node.dataset.columns === this._columns.join()) {
      return;
    }
    node.dataset.key = key;
    node.dataset.columns = this._columns.join();
    node.classList.toggle('panhub-mod-loading', !row);
    if (row) {
      node.dataset.investigationId = String(row.id);
    } else {
      delete node.dataset.investigationId;
    }
    const cells = node.children;
    for (let c = 0; c < this._columns.length; c++) {
      const cell = cells[c] as HTMLElement;
      const id = this._columns[c];
      if (!row) {
        cell.textContent = c === 0 ? '…' : '';
        continue;
      }
      this._fillCell(cell, id, row, __);
    }
  }

  private _fillCell(cell: HTMLElement, id: ColumnId, row: IInvestigationRow, __: (s: string, ...a: unknown[]) => string): void {
    const text = getCellText(id, row, __);
    if (id === 'release') {
      clear(cell);
      const released = isReleased(row);
      cell.append(
        iconNode(released ? publicIcon : embargoedIcon),
        el('span', { className: released ? 'panhub-mod-public' : 'panhub-mod-embargoed', text })
      );
    } else if (id === 'title') {
      cell.textContent = text;
      cell.title = text;
    } else {
      cell.textContent = text;
    }
  }

  private _indexOf(node: Element): number | null {
    const row = node.closest?.('.panhub-CatalogueResults-row') as HTMLElement | null;
    if (!row || !this._rows.contains(row) || row.dataset.index === undefined) {
      return null;
    }
    return Number(row.dataset.index);
  }

  private _focusActive(fallbackToGrid: boolean): void {
    const node = this._pool.find(n => !n.hidden && Number(n.dataset.index) === this._active);
    if (node) {
      node.focus({ preventScroll: true });
    } else if (fallbackToGrid) {
      this._grid.focus({ preventScroll: true });
    }
  }

  private _status: HTMLElement;
  private _message: HTMLElement;
  private _grid: HTMLElement;
  private _header: HTMLElement;
  private _spacer: HTMLElement;
  private _rows: HTMLElement;
  private _pool: HTMLElement[] = [];
  private _columns: ColumnId[] = [];
  private _active = 0;
  private _frame = 0;
  private _announced = false;
}
