import { noticeFor } from '../notice';
import { specModels, staffSpec } from './fixtures';

describe('noticeFor', () => {
  const specs = specModels(
    staffSpec('saxs', '2026.12', 'SAXS/WAXS', true),
    staffSpec('saxs', '2027.03', 'SAXS/WAXS')
  );

  it('names the current version for a retired kernel', () => {
    expect(noticeFor(specs, 'saxs-2026.12')).toMatch(
      /^saxs-2026\.12 is retired; saxs-2027\.03 is current\./
    );
  });

  it('is null for kernels that are not retired or unknown', () => {
    expect(noticeFor(specs, 'saxs-2027.03')).toBeNull();
    expect(noticeFor(specs, 'python3')).toBeNull();
    expect(noticeFor(specs, undefined)).toBeNull();
    expect(noticeFor(null, 'saxs-2026.12')).toBeNull();
  });
});
