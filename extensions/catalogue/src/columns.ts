/**
 * The columns of the results list (no DOM): their labels, widths, the catalogue
 * field each sorts by, and the text of a cell.
 */
import { formatCount, formatDate, formatSize, isReleased } from './api/format';
import type { SortField } from './api/query';
import type { IInvestigationRow } from './api/types';
import { plain, Translate } from './api/describe';

export type ColumnId =
  | 'proposal'
  | 'beamline'
  | 'start'
  | 'title'
  | 'samples'
  | 'datasets'
  | 'files'
  | 'release'
  | 'doi'
  | 'logbook';

export interface IColumn {
  id: ColumnId;
  /** Header text (translated by the caller). */
  label: string;
  /** Width in pixels. */
  width: number;
  /** The catalogue's sort field, or undefined when the catalogue cannot sort by it. */
  sort?: SortField;
  /** Numbers align right. */
  numeric?: boolean;
}

/** Every column, in the portal's order. */
export const COLUMNS: IColumn[] = [
  { id: 'proposal', label: 'Proposal', width: 88, sort: 'name' },
  { id: 'beamline', label: 'Beamline', width: 96, sort: 'beamline' },
  { id: 'start', label: 'Start', width: 88, sort: 'startDate' },
  { id: 'title', label: 'Title', width: 240, sort: 'title' },
  { id: 'samples', label: 'Samples', width: 64, sort: 'sampleCount', numeric: true },
  { id: 'datasets', label: 'Datasets', width: 68, sort: 'datasetCount', numeric: true },
  { id: 'files', label: 'Files', width: 120, sort: 'fileSize', numeric: true },
  { id: 'release', label: 'Release', width: 170, sort: 'releaseDate' },
  { id: 'doi', label: 'DOI', width: 150, sort: 'doi' },
  { id: 'logbook', label: 'Logbook', width: 76, sort: 'logbookCount' }
];

export const COLUMN_IDS: ColumnId[] = COLUMNS.map(c => c.id);

/** Visible columns from a setting: known ids in the portal's order, Proposal always. */
export function normalizeColumns(raw: unknown): ColumnId[] {
  const given = Array.isArray(raw) ? raw : COLUMN_IDS;
  const wanted = new Set(given.filter((v): v is ColumnId => COLUMN_IDS.includes(v as ColumnId)));
  wanted.add('proposal');
  return COLUMN_IDS.filter(id => wanted.has(id));
}

/** The text of a cell (the list sets it with `textContent`). */
export function getCellText(
  column: ColumnId,
  row: IInvestigationRow,
  __: Translate = plain
): string {
  switch (column) {
    case 'proposal':
      return row.visitId ? `${row.name} ${row.visitId}` : row.name;
    case 'beamline':
      return (row.beamlines ?? []).join(', ');
    case 'start':
      return formatDate(row.startDate);
    case 'title':
      return row.title ?? '';
    case 'samples':
      return formatCount(row.sampleCount);
    case 'datasets':
      return formatCount(row.datasetCount);
    case 'files': {
      const count = formatCount(row.fileCount);
      const size = formatSize(row.fileSize);
      return size ? `${count} · ${size}` : count;
    }
    case 'release': {
      const state = isReleased(row) ? __('Public') : __('Embargoed');
      const date = formatDate(row.releaseDate);
      return date ? `${state} ${date}` : state;
    }
    case 'doi':
      return row.doi ?? '';
    case 'logbook':
      return __('Logbook');
  }
}

/** The `grid-template-columns` of a row with these columns. */
export function getGridTemplate(columns: ColumnId[]): string {
  return columns.map(id => `${COLUMNS.find(c => c.id === id)?.width ?? 80}px`).join(' ');
}

/** Total width of these columns, in pixels. */
export function getGridWidth(columns: ColumnId[]): number {
  return columns.reduce((sum, id) => sum + (COLUMNS.find(c => c.id === id)?.width ?? 80), 0);
}
