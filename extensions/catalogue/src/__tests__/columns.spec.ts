import { getCellText, getGridTemplate } from '../columns';

const row = {
  id: 1,
  name: '20220004',
  visitId: '',
  title: '<img src=x onerror=alert(1)>',
  startDate: '2022-05-17T09:07:00Z',
  releaseDate: '2025-05-17T09:07:00Z',
  isPublic: true,
  doi: null,
  beamlines: ['BL04-MSPD', 'BL11'],
  sampleCount: 0,
  datasetCount: 1,
  fileCount: 2,
  fileSize: 11534126
};

describe('cells', () => {
  it('gives each column its text', () => {
    expect(getCellText('proposal', row)).toBe('20220004');
    expect(getCellText('beamline', row)).toBe('BL04-MSPD, BL11');
    expect(getCellText('start', row)).toBe('2022-05-17');
    expect(getCellText('title', row)).toBe('<img src=x onerror=alert(1)>');
    expect(getCellText('samples', row)).toBe('0');
    expect(getCellText('files', row)).toBe('2 · 12 MB');
    expect(getCellText('release', row)).toBe('Public 2025-05-17');
    expect(getCellText('release', { ...row, isPublic: false })).toBe('Embargoed 2025-05-17');
    expect(getCellText('doi', row)).toBe('');
  });
  it('lays the columns out', () => {
    expect(getGridTemplate(['proposal', 'title'])).toBe('88px 240px');
  });
});
