import { Notification } from '@jupyterlab/apputils';

import { IJobInfo, MINUTE } from '../time';
import { IStatusView, SAVE_ALL, WalltimeWatch } from '../watch';

/** The job of a server asked at 12:00 (local time): it ends at 12:30. */
const ASKED = new Date(2026, 2, 1, 12, 0).getTime();
const JOB: IJobInfo = {
  jobId: '4242',
  node: 'cpu2',
  end: ASKED / 1000 + 30 * 60,
  warningMinutes: 10,
  now: ASKED / 1000,
  proposalsView: '/data'
};

class FakeStatus implements IStatusView {
  shown: [string | null, string, boolean][] = [];
  display(text: string | null, title: string, urgent: boolean): void {
    this.shown.push([text, title, urgent]);
  }
  get last(): [string | null, string, boolean] {
    return this.shown[this.shown.length - 1];
  }
}

describe('WalltimeWatch', () => {
  let clock: number;
  let answer: IJobInfo;
  let status: FakeStatus;
  let execute: jest.Mock;
  let warning: jest.SpyInstance;
  let update: jest.SpyInstance;
  let dismiss: jest.SpyInstance;

  function makeWatch(): WalltimeWatch {
    return new WalltimeWatch({
      fetchJob: () => Promise.resolve(answer),
      execute,
      status,
      now: () => clock
    });
  }

  beforeEach(() => {
    // the browser's clock is 7 minutes fast: the time left does not change, and the stop
    // time is given as the user's own (fast) clock will show it: 12:37 for 12:30
    clock = ASKED + 7 * MINUTE;
    answer = JOB;
    status = new FakeStatus();
    execute = jest.fn(() => Promise.resolve());
    warning = jest.spyOn(Notification, 'warning').mockReturnValue('notice-1');
    update = jest.spyOn(Notification, 'update').mockReturnValue(true);
    dismiss = jest.spyOn(Notification, 'dismiss').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('counts down in the status bar and warns once at the lead time', async () => {
    const watch = makeWatch();
    await watch.refresh();
    expect(status.last).toEqual([
      '30 min left',
      'SLURM job 4242 on cpu2 ends at 12:37; the server stops then.',
      false
    ]);
    expect(warning).not.toHaveBeenCalled();

    clock += 19 * MINUTE + 59_000; // 10 min 1 s left
    watch.tick();
    expect(warning).not.toHaveBeenCalled();
    clock += 1_000;
    watch.tick();
    expect(status.last).toEqual([
      '10 min left',
      'SLURM job 4242 on cpu2 ends at 12:37; the server stops then.',
      true
    ]);
    expect(warning).toHaveBeenCalledTimes(1);
    const [text, options] = warning.mock.calls[0];
    expect(text).toBe(
      'Your server stops at 12:37 (10 min left). Save your notebooks now (File > Save All); ' +
        'your home and /data/<proposal>/processed are kept.'
    );
    expect(options.autoClose).toBe(false);
    expect(options.actions.map((a: { label: string }) => a.label)).toEqual(['Save all']);
    options.actions[0].callback(new MouseEvent('click'));
    expect(execute).toHaveBeenCalledWith(SAVE_ALL);

    for (let i = 0; i < 12; i++) {
      clock += MINUTE;
      watch.tick();
    }
    expect(warning).toHaveBeenCalledTimes(1);
    expect(update).not.toHaveBeenCalled();
    expect(status.last[0]).toBe('time is up');
  });

  it('warns at once in a Lab opened within the lead time', async () => {
    answer = { ...JOB, end: JOB.now + 4 * 60 };
    await makeWatch().refresh();
    expect(warning).toHaveBeenCalledTimes(1);
    expect(warning.mock.calls[0][0]).toMatch(/^Your server stops at 12:11 \(4 min left\)\./);
  });

  it('follows a changed time limit: renewed, then taken back', async () => {
    answer = { ...JOB, end: JOB.now + 5 * 60 };
    const watch = makeWatch();
    await watch.refresh();
    expect(warning).toHaveBeenCalledTimes(1);

    answer = { ...JOB, now: JOB.now + 60, end: JOB.now + 8 * 60 }; // three minutes more
    await watch.refresh();
    expect(update).toHaveBeenCalledTimes(1);
    expect(update.mock.calls[0][0]).toMatchObject({ id: 'notice-1', type: 'warning' });
    expect(update.mock.calls[0][0].message).toMatch(/^Your server stops at 12:14 \(7 min left\)/);

    answer = { ...JOB, now: JOB.now + 120, end: JOB.now + 2 * 3600 }; // two hours more
    await watch.refresh();
    expect(dismiss).toHaveBeenCalledWith('notice-1');
    expect(status.last).toEqual([
      '1 h 58 min left',
      'SLURM job 4242 on cpu2 ends at 14:05; the server stops then.',
      false
    ]);
    expect(warning).toHaveBeenCalledTimes(1);
  });

  it('shows nothing for a server outside SLURM', async () => {
    answer = { ...JOB, jobId: null, node: null, end: null };
    const watch = makeWatch();
    await watch.refresh();
    watch.tick();
    expect(status.shown.every(([text]) => text === null)).toBe(true);
    expect(warning).not.toHaveBeenCalled();
  });

  it('never warns with a lead time of 0, and still counts down', async () => {
    answer = { ...JOB, warningMinutes: 0, end: JOB.now + 60 };
    await makeWatch().refresh();
    expect(status.last[0]).toBe('1 min left');
    expect(status.last[2]).toBe(false);
    expect(warning).not.toHaveBeenCalled();
  });
});
