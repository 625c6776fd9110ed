/**
 * What the panel may do with a file, and the text it copies or inserts (no DOM).
 *
 * Paths and code come from the server: it knows where the data view puts a proposal
 * and it quotes paths with Python's `repr` (file names under `processed/` are chosen
 * by users). Nothing here pastes a path between quotes.
 */
import type { IDatafile } from './types';

/** First words of every cell the panel inserts. */
export const CELL_MARKER = '# panhub catalogue:';

/** File extensions the NeXus viewer opens. */
export const VIEWER_EXTENSIONS = ['.nxs', '.nx5', '.h5', '.hdf5', '.cxi'];

/** The path of the file in this server, or null when it is not mounted here. */
export function getMountedPath(file: IDatafile): string | null {
  if (file.mounted === false) {
    return null;
  }
  return typeof file.path === 'string' && file.path ? file.path : null;
}

/** True when the viewer can open the file (mounted, and a NeXus/HDF5 name). */
export function canOpenInViewer(file: IDatafile): boolean {
  const lower = file.name.toLowerCase();
  return getMountedPath(file) !== null && VIEWER_EXTENSIONS.some(ext => lower.endsWith(ext));
}

/** True when a browser download is on offer. */
export function canDownload(file: IDatafile): boolean {
  return typeof file.downloadUrl === 'string' && file.downloadUrl.length > 0;
}

/** True if `source` is a cell the panel inserted. */
export function isMarkedCell(source: string): boolean {
  return source.startsWith(CELL_MARKER);
}

/**
 * The source of the cell to insert: the server's `cell`, else its viewer (or h5py)
 * code under a marker line; null when the server gave neither.
 */
export function getCellSource(file: IDatafile): string | null {
  if (typeof file.cell === 'string' && file.cell.trim()) {
    return isMarkedCell(file.cell) ? file.cell : `${CELL_MARKER} datafile ${file.id}\n${file.cell}`;
  }
  const code = file.code?.viewer || file.code?.h5py;
  if (!code) {
    return null;
  }
  return `${CELL_MARKER} datafile ${file.id}\n${code}`;
}

/** The name a marker line names a file by, for messages (`scan.nxs (datafile 12)`). */
export function describeFile(file: IDatafile): string {
  return `${file.name} (datafile ${file.id})`;
}

/** Percent done of a copy, 0–100, or null when the total is unknown. */
export function getProgress(bytes: number | undefined, total: number | null | undefined): number | null {
  if (!total || total <= 0 || bytes === undefined) {
    return null;
  }
  return Math.min(100, Math.max(0, Math.floor((bytes / total) * 100)));
}

/** Copy states that end a copy. */
export const COPY_DONE = ['done', 'complete', 'completed', 'finished', 'succeeded'];
export const COPY_FAILED = ['failed', 'error', 'cancelled', 'canceled'];

/** `running`, `done` or `failed` for any state word the server uses. */
export function getCopyOutcome(state: string): 'running' | 'done' | 'failed' {
  const word = state.toLowerCase();
  if (COPY_DONE.includes(word)) {
    return 'done';
  }
  if (COPY_FAILED.includes(word)) {
    return 'failed';
  }
  return 'running';
}
