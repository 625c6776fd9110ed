import {
  compareVersions,
  currentSpecName,
  isRetiredSpec,
  panhubKernel,
  retiredNotice
} from '../specs';
import { specModels, staffSpec } from './fixtures';

describe('panhubKernel', () => {
  it('reads the metadata that panhub kernels build writes', () => {
    expect(panhubKernel(staffSpec('saxs', '2026.12', 'SAXS/WAXS').metadata)).toEqual({
      name: 'saxs',
      version: '2026.12',
      techniqueLabel: 'SAXS/WAXS',
      retired: false
    });
  });

  it('is null for kernels that are not panhub staff kernels', () => {
    expect(panhubKernel(undefined)).toBeNull();
    expect(panhubKernel({ debugger: true })).toBeNull();
    expect(panhubKernel({ panhub: { version: '1' } })).toBeNull();
    expect(panhubKernel({ panhub: [] })).toBeNull();
  });

  it('counts only a literal true as retired', () => {
    expect(panhubKernel({ panhub: { name: 'x', retired: 'yes' } })?.retired).toBe(false);
    expect(isRetiredSpec(staffSpec('xas', '2026.12', 'XAS', true))).toBe(true);
    expect(isRetiredSpec(staffSpec('xas', '2026.12', 'XAS'))).toBe(false);
    expect(isRetiredSpec(undefined)).toBe(false);
  });
});

describe('compareVersions', () => {
  it('orders calendar versions numerically', () => {
    expect(compareVersions('2026.12', '2027.03')).toBeLessThan(0);
    expect(compareVersions('2027.10', '2027.9')).toBeGreaterThan(0);
    expect(compareVersions('2026.12', '2026.12')).toBe(0);
    expect(compareVersions('2026.12.1', '2026.12')).toBeGreaterThan(0);
  });
});

describe('currentSpecName', () => {
  const specs = specModels(
    staffSpec('saxs', '2026.12', 'SAXS/WAXS', true),
    staffSpec('saxs', '2027.03', 'SAXS/WAXS'),
    staffSpec('saxs', '2027.10', 'SAXS/WAXS', true),
    staffSpec('saxs', '2026.06', 'SAXS/WAXS'),
    staffSpec('xas', '2026.12', 'XAS', true),
    staffSpec('xas2', '2027.03', 'XAS')
  );

  it('is the newest version that is not retired', () => {
    expect(currentSpecName(specs, 'saxs-2026.12')).toBe('saxs-2027.03');
    expect(currentSpecName(specs, 'saxs-2027.10')).toBe('saxs-2027.03');
  });

  it('is null without another version of the same kernel name', () => {
    expect(currentSpecName(specs, 'xas-2026.12')).toBeNull();
  });

  it('is null for kernels that are not staff kernels or not installed', () => {
    expect(currentSpecName(specs, 'python3')).toBeNull();
    expect(currentSpecName(specs, 'gone-2020.1')).toBeNull();
    expect(currentSpecName(null, 'saxs-2026.12')).toBeNull();
  });
});

describe('retiredNotice', () => {
  it('names the retired and the current version', () => {
    expect(retiredNotice('saxs-2026.12', 'saxs-2027.03')).toBe(
      'saxs-2026.12 is retired; saxs-2027.03 is current. This notebook still runs on saxs-2026.12; change the kernel to use saxs-2027.03.'
    );
  });

  it('says when there is no current version', () => {
    expect(retiredNotice('xas-2026.12', null)).toMatch(
      /^xas-2026\.12 is retired and no current version is installed\./
    );
  });
});
