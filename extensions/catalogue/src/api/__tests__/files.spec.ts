import {
  CELL_MARKER,
  canDownload,
  canOpenInViewer,
  getCellSource,
  getCopyOutcome,
  getMountedPath,
  getProgress,
  isMarkedCell
} from '../files';
import type { IDatafile } from '../types';

const mounted: IDatafile = {
  id: 12,
  name: 'scan0001.nxs',
  location: '/srv/proposals/20260001/raw/scan0001.nxs',
  path: "/data/20260001/raw/it's scan0001.nxs",
  mounted: true,
  code: { viewer: "from panhub_nexus import NexusViewer\n\nviewer = NexusViewer(\"/data/20260001/raw/it's scan0001.nxs\")\nviewer" },
  cell: "# panhub catalogue: datafile 12 · proposal 20260001 · DOI none\nviewer = NexusViewer(\"/data/20260001/raw/it's scan0001.nxs\")",
  downloadUrl: '/hub/services/catalogue/login?next=%2Fservices%2Fcatalogue%2Fapi%2Fdatafiles%2F12%2Fdownload'
};
const elsewhere: IDatafile = { id: 7, name: 'other.h5', path: null, mounted: false, downloadUrl: '/x' };

describe('paths', () => {
  it('uses the server path as mounted, else none', () => {
    expect(getMountedPath(mounted)).toBe("/data/20260001/raw/it's scan0001.nxs");
    expect(getMountedPath(elsewhere)).toBeNull();
    expect(getMountedPath({ ...mounted, mounted: false })).toBeNull();
    expect(getMountedPath({ id: 1, name: 'x', path: '' })).toBeNull();
  });
  it('opens mounted NeXus/HDF5 files only', () => {
    expect(canOpenInViewer(mounted)).toBe(true);
    expect(canOpenInViewer(elsewhere)).toBe(false);
    expect(canOpenInViewer({ ...mounted, name: 'notes.txt' })).toBe(false);
    expect(canOpenInViewer({ ...mounted, name: 'SCAN.H5' })).toBe(true);
    expect(canDownload(elsewhere)).toBe(true);
    expect(canDownload({ ...elsewhere, downloadUrl: null })).toBe(false);
  });
});

describe('cells', () => {
  it('inserts the server cell as it is (its quoting untouched)', () => {
    expect(getCellSource(mounted)).toBe(mounted.cell);
    expect(isMarkedCell(getCellSource(mounted)!)).toBe(true);
  });
  it('marks code without a marker', () => {
    const source = getCellSource({ ...mounted, cell: undefined });
    expect(source!.split('\n')[0]).toBe(`${CELL_MARKER} datafile 12`);
    expect(source).toContain(mounted.code!.viewer!);
    expect(getCellSource({ ...mounted, cell: 'print(1)' })).toBe(`${CELL_MARKER} datafile 12\nprint(1)`);
    expect(getCellSource(elsewhere)).toBeNull();
  });
});

describe('copies', () => {
  it('reads progress and outcome', () => {
    expect(getProgress(50, 200)).toBe(25);
    expect(getProgress(500, 200)).toBe(100);
    expect(getProgress(5, null)).toBeNull();
    expect(getCopyOutcome('running')).toBe('running');
    expect(getCopyOutcome('Done')).toBe('done');
    expect(getCopyOutcome('failed')).toBe('failed');
  });
});
