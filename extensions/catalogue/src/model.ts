/**
 * The panel's state and its changes as Lumino signals: the handshake, the search
 * (filters, sort, the page cache of its rows, facets), the visible columns, the
 * selected investigation and the files the details view has shown (for commands).
 */
import { ISignal, Signal } from '@lumino/signaling';

import {
  CatalogueClient,
  CatalogueRequestError,
  DEFAULT_SORT,
  IDatafile,
  IFacets,
  IFilters,
  IInvestigation,
  IInvestigationRow,
  ISort,
  PageCache,
  PageCacheChange,
  isAbort,
  makeEmptyFilters,
  makeSearchKey,
  normalizeFilters,
  normalizeSort
} from './api';
import { CollectionBasket } from './collections/model';
import { ColumnId, COLUMN_IDS, normalizeColumns } from './columns';

/** Where the panel stands with its server half. */
export type ConnectionState = 'checking' | 'ready' | 'missing-server' | 'unavailable';

/** What the state database keeps. */
export interface IPanelState {
  filters: IFilters;
  sort: ISort;
}

/** Rows per server page. */
export const PAGE_SIZE = 100;
/** Pages kept. */
export const MAX_PAGES = 20;

export class CatalogueModel {
  /** The datasets chosen for the next data collection. */
  readonly basket = new CollectionBasket();

  constructor(readonly client: CatalogueClient) {
    this._cache = this._makeCache();
  }

  // ---- signals

  /** The handshake's outcome changed. */
  get connectionChanged(): ISignal<this, ConnectionState> {
    return this._connectionChanged;
  }
  /** Filters or sort changed: a new result set (the list starts over). */
  get searchChanged(): ISignal<this, void> {
    return this._searchChanged;
  }
  /** Rows, total or the search's error changed. */
  get rowsChanged(): ISignal<this, PageCacheChange> {
    return this._rowsChanged;
  }
  get facetsChanged(): ISignal<this, void> {
    return this._facetsChanged;
  }
  get columnsChanged(): ISignal<this, ColumnId[]> {
    return this._columnsChanged;
  }
  /** The investigation to show in the details (id or null). */
  get selectionChanged(): ISignal<this, number | null> {
    return this._selectionChanged;
  }
  /** Filters or sort changed (to be saved). */
  get stateChanged(): ISignal<this, IPanelState> {
    return this._stateChanged;
  }

  // ---- connection

  get connection(): ConnectionState {
    return this._connection;
  }
  get connectionError(): string {
    return this._connectionError;
  }
  /** The server half's version (after the handshake). */
  get serverVersion(): string {
    return this._serverVersion;
  }

  /** The handshake: `GET version`; then the first search. */
  async connect(): Promise<void> {
    this._setConnection('checking', '');
    try {
      const answer = await this.client.version();
      this._serverVersion = answer.version ?? '';
      // the first search starts before anyone hears "ready", so no view asks the old cache
      this._connection = 'ready';
      this._search(true);
      this._setConnection('ready', '');
    } catch (error) {
      const status = error instanceof CatalogueRequestError ? error.status : 0;
      const message = error instanceof Error ? error.message : String(error);
      this._setConnection(status === 404 ? 'missing-server' : 'unavailable', message);
    }
  }

  // ---- search

  get filters(): IFilters {
    return this._filters;
  }
  get sort(): ISort {
    return this._sort;
  }
  get cache(): PageCache<IInvestigationRow> {
    return this._cache;
  }
  get facets(): IFacets['facets'] {
    return this._facets;
  }
  /** Key of the current search (filters and sort). */
  get searchKey(): string {
    return makeSearchKey(this._filters, this._sort);
  }

  /** Change some filters; a new search when anything changed. */
  setFilters(change: Partial<IFilters>): void {
    const next = normalizeFilters({ ...this._filters, ...change });
    if (makeSearchKey(next, this._sort) === this.searchKey) {
      return;
    }
    this._filters = next;
    this._search(true);
  }

  /** Back to no filter. */
  clearFilters(): void {
    this.setFilters(makeEmptyFilters());
  }

  /** Sort by a field; the same field again flips the direction. */
  setSort(sort: ISort): void {
    const next = normalizeSort(sort);
    if (next.field === this._sort.field && next.descending === this._sort.descending) {
      return;
    }
    this._sort = next;
    this._search(false);
  }

  /** Search again with the same filters (Retry, Refresh). */
  refresh(): void {
    this._search(true);
  }

  /** Restore what the state database kept (no request before the handshake). */
  restore(state: Partial<IPanelState> | null | undefined): void {
    if (!state) {
      return;
    }
    this._filters = normalizeFilters(state.filters);
    this._sort = state.sort ? normalizeSort(state.sort) : { ...DEFAULT_SORT };
    if (this._connection === 'ready') {
      this._search(true);
    }
  }

  toJSON(): IPanelState {
    return { filters: { ...this._filters }, sort: { ...this._sort } };
  }

  // ---- columns

  get columns(): ColumnId[] {
    return this._columns;
  }
  setColumns(columns: unknown): void {
    const next = normalizeColumns(columns);
    if (next.join() === this._columns.join()) {
      return;
    }
    this._columns = next;
    this._columnsChanged.emit(next);
  }

  // ---- selection and files

  get selectedId(): number | null {
    return this._selectedId;
  }
  select(investigationId: number | null): void {
    if (investigationId === this._selectedId) {
      return;
    }
    this._selectedId = investigationId;
    this._selectionChanged.emit(investigationId);
  }

  /** The investigation the details view shows (once loaded). */
  get investigation(): IInvestigation | null {
    return this._investigation;
  }
  set investigation(value: IInvestigation | null) {
    this._investigation = value;
  }

  /** Keep files the details view showed, so commands find them by id. */
  rememberFiles(files: IDatafile[]): void {
    for (const file of files) {
      this._files.delete(file.id);
      this._files.set(file.id, file);
    }
    while (this._files.size > 5000) {
      this._files.delete(this._files.keys().next().value as number);
    }
  }
  getFile(datafileId: number): IDatafile | undefined {
    return this._files.get(datafileId);
  }
  /** The file last focused or clicked in the details view. */
  get currentFile(): IDatafile | null {
    return this._currentFile;
  }
  set currentFile(file: IDatafile | null) {
    this._currentFile = file;
  }

  dispose(): void {
    this._cache.dispose();
    this._facetsController?.abort();
    Signal.clearData(this);
  }

  // ---- private

  private _makeCache(): PageCache<IInvestigationRow> {
    const filters = this._filters;
    const sort = this._sort;
    const cache: PageCache<IInvestigationRow> = new PageCache<IInvestigationRow>(
      (offset, limit, signal) => this.client.investigations(filters, { sort, limit, offset }, signal),
      {
        pageSize: PAGE_SIZE,
        maxPages: MAX_PAGES,
        isAbort,
        onChange: change => {
          if (this._facetsWanted && cache === this._cache && change.kind !== 'loading') {
            this._facetsWanted = false;
            void this._fetchFacets();
          }
          this._rowsChanged.emit(change);
        }
      }
    );
    return cache;
  }

  /**
   * A new result set. Its first page is asked for before the views redraw, and the
   * facets once that page has answered: the rows a search or filter change is waiting
   * for never share the catalogue with the (slower) facet counts, and the panel has one
   * request in flight at a time.
   */
  private _search(withFacets: boolean): void {
    this._cache.dispose();
    this._cache = this._makeCache();
    const ready = this._connection === 'ready';
    if (withFacets && ready) {
      this._facetsController?.abort(); // counts of an older search
      this._facetsController = null;
      this._facetsWanted = true;
    }
    if (ready) {
      this._cache.ensure(0, PAGE_SIZE - 1);
    }
    this._stateChanged.emit(this.toJSON());
    this._searchChanged.emit();
  }

  private async _fetchFacets(): Promise<void> {
    this._facetsController?.abort();
    const controller = new AbortController();
    this._facetsController = controller;
    try {
      const answer = await this.client.facets(this._filters, controller.signal);
      if (this._facetsController === controller) {
        this._facets = answer.facets ?? {};
        this._facetsController = null;
        this._facetsChanged.emit();
      }
    } catch (error) {
      if (!isAbort(error) && this._facetsController === controller) {
        this._facetsController = null; // keep the last counts; the list shows the error
      }
    }
  }

  private _setConnection(state: ConnectionState, message: string): void {
    this._connection = state;
    this._connectionError = message;
    this._connectionChanged.emit(state);
  }

  private _filters: IFilters = makeEmptyFilters();
  private _sort: ISort = { ...DEFAULT_SORT };
  private _cache: PageCache<IInvestigationRow>;
  private _facets: IFacets['facets'] = {};
  private _facetsController: AbortController | null = null;
  /** The facets are to be fetched once the current search's first page answers. */
  private _facetsWanted = false;
  private _columns: ColumnId[] = [...COLUMN_IDS];
  private _selectedId: number | null = null;
  private _investigation: IInvestigation | null = null;
  private _files = new Map<number, IDatafile>();
  private _currentFile: IDatafile | null = null;
  private _connection: ConnectionState = 'checking';
  private _connectionError = '';
  private _serverVersion = '';
  private _connectionChanged = new Signal<this, ConnectionState>(this);
  private _searchChanged = new Signal<this, void>(this);
  private _rowsChanged = new Signal<this, PageCacheChange>(this);
  private _facetsChanged = new Signal<this, void>(this);
  private _columnsChanged = new Signal<this, ColumnId[]>(this);
  private _selectionChanged = new Signal<this, number | null>(this);
  private _stateChanged = new Signal<this, IPanelState>(this);
}
