import {
  IJobInfo,
  MAX_NOTICE_LENGTH,
  MINUTE,
  decideWarning,
  formatClock,
  formatLeft,
  remainingMs,
  statusTitle,
  warningText
} from '../time';

function job(partial: Partial<IJobInfo> = {}): IJobInfo {
  return {
    jobId: '4242',
    node: 'cpu2',
    end: 10_000,
    warningMinutes: 10,
    now: 4_000,
    proposalsView: '/data',
    ...partial
  };
}

describe('remainingMs', () => {
  it("counts on the server's clock, from the answer on", () => {
    // the server said: 6000 s left; 1 min has passed since its answer
    expect(remainingMs(job(), MINUTE)).toBe(6_000_000 - MINUTE);
  });

  it('does not depend on how far off the browser clock is', () => {
    // nothing in the call is the browser's clock: only the time since the answer
    expect(remainingMs(job({ now: 4_000, end: 10_000 }), 0)).toBe(
      remainingMs(job({ now: 9_000, end: 15_000 }), 0)
    );
  });

  it('is null without an end (a server outside SLURM)', () => {
    expect(remainingMs(job({ end: null }), 0)).toBeNull();
  });
});

describe('decideWarning', () => {
  const lead = 10;

  it('warns once the time left reaches the lead time, not before', () => {
    expect(decideWarning(10 * MINUTE + 1, lead, null, '14:05')).toBe('none');
    expect(decideWarning(10 * MINUTE, lead, null, '14:05')).toBe('warn');
    expect(decideWarning(3 * MINUTE, lead, null, '14:05')).toBe('warn'); // a Lab opened late
  });

  it('does not repeat a warning shown for the same end', () => {
    expect(decideWarning(5 * MINUTE, lead, '14:05', '14:05')).toBe('none');
    expect(decideWarning(-1, lead, '14:05', '14:05')).toBe('none');
  });

  it('renews the warning when the end moved but stays within the lead time', () => {
    expect(decideWarning(8 * MINUTE, lead, '14:05', '14:08')).toBe('update');
  });

  it('takes the warning back when the end moved beyond the lead time', () => {
    expect(decideWarning(70 * MINUTE, lead, '14:05', '15:10')).toBe('withdraw');
    expect(decideWarning(null, lead, '14:05', '')).toBe('withdraw');
  });

  it('never warns with a lead time of 0 or without an end', () => {
    expect(decideWarning(MINUTE, 0, null, '14:05')).toBe('none');
    expect(decideWarning(null, lead, null, '')).toBe('none');
  });
});

describe('formatLeft', () => {
  it.each([
    [(2 * 60 + 10) * MINUTE + 59_000, '2 h 10 min left'],
    [3 * 60 * MINUTE, '3 h left'],
    [60 * MINUTE - 1, '59 min left'],
    [9 * MINUTE + 59_999, '9 min left'],
    [MINUTE, '1 min left'],
    [59_999, 'less than 1 min left'],
    [0, 'time is up'],
    [-5_000, 'time is up']
  ])('%d ms: %s', (ms, text) => {
    expect(formatLeft(ms)).toBe(text);
  });
});

describe('formatClock', () => {
  const today = new Date(2026, 2, 1, 13, 50);

  it("is the user's clock time on the same day", () => {
    expect(formatClock(new Date(2026, 2, 1, 14, 5), today)).toBe('14:05');
    expect(formatClock(new Date(2026, 2, 1, 9, 0), today)).toBe('09:00');
  });

  it('names the day when it is another one', () => {
    expect(formatClock(new Date(2026, 2, 2, 0, 30), today)).toBe('2026-03-02 00:30');
  });
});

describe('warningText', () => {
  it('says when, how long, how to save and what is kept', () => {
    expect(warningText(9 * MINUTE + 30_000, '14:05', '/data')).toBe(
      'Your server stops at 14:05 (9 min left). Save your notebooks now (File > Save All); ' +
        'your home and /data/<proposal>/processed are kept.'
    );
  });

  it('speaks of the home folder only without proposals', () => {
    expect(warningText(5 * MINUTE, '14:05', null)).toBe(
      'Your server stops at 14:05 (5 min left). Save your notebooks now (File > Save All); ' +
        'files in your home folder are kept.'
    );
  });

  it('always fits in a notification, however long the folder or the time', () => {
    const long = '/gpfs/facility/experiments/proposals/view';
    for (const [left, at, view] of [
      [2 * 60 * MINUTE + 10 * MINUTE, '2026-03-02 00:30', long],
      [MINUTE, '14:05', '/data/'],
      [30_000, '2026-03-02 00:30', '/x'.repeat(80)]
    ] as const) {
      const text = warningText(left, at, view);
      expect(text.length).toBeLessThanOrEqual(MAX_NOTICE_LENGTH);
      expect(text).toContain(`Your server stops at ${at}`);
      expect(text).toContain('Save your notebooks now (File > Save All)');
    }
    expect(warningText(MINUTE, '14:05', '/data/')).toContain('/data/<proposal>/processed');
  });
});

describe('statusTitle', () => {
  it('names the job, its node and its end', () => {
    expect(statusTitle(job(), '14:05')).toBe(
      'SLURM job 4242 on cpu2 ends at 14:05; the server stops then.'
    );
  });
});
