/**
 * The walltime warning's state: the job as the server last described it, the status
 * bar's text, and the one notification (shown, renewed, taken back). The plugin calls
 * {@link WalltimeWatch.refresh} now and then and {@link WalltimeWatch.tick} often.
 */
import { Notification } from '@jupyterlab/apputils';
import type { ReadonlyJSONValue } from '@lumino/coreutils';

import {
  IJobInfo,
  MINUTE,
  decideWarning,
  formatClock,
  formatLeft,
  remainingMs,
  statusTitle,
  warningText
} from './time';

/** JupyterLab's File > Save All. */
export const SAVE_ALL = 'docmanager:save-all';

/** Where the time left is shown (the status bar item, or a fake in tests). */
export interface IStatusView {
  /** Show `text` (null: show nothing) with a tooltip; `urgent` within the lead time. */
  display(text: string | null, title: string, urgent: boolean): void;
}

export interface IWatchOptions {
  /** The `api/job` route's answer. */
  fetchJob: () => Promise<IJobInfo>;
  /** Run a command (the warning's "Save all" button). */
  execute: (command: string) => Promise<unknown>;
  /** The status bar item, if there is a status bar. */
  status: IStatusView | null;
  /** Milliseconds since 1970 (Date.now; a fake in tests). */
  now?: () => number;
}

export class WalltimeWatch {
  constructor(private readonly options: IWatchOptions) {}

  /** The job as last fetched (null before the first answer). */
  get job(): IJobInfo | null {
    return this._job;
  }

  /** Ask the server again (a changed time limit), then {@link tick}. */
  async refresh(): Promise<void> {
    const job = await this.options.fetchJob();
    this._job = job;
    this._fetchedAt = this.now();
    this.tick();
  }

  /** Update the status bar and the warning for the time now. */
  tick(): void {
    const job = this._job;
    const left = job ? remainingMs(job, this.now() - this._fetchedAt) : null;
    if (job === null || left === null) {
      this.options.status?.display(null, '', false);
      this.withdraw();
      return;
    }
    const now = this.now();
    const stopsAt = formatClock(new Date(now + left), new Date(now));
    const urgent = job.warningMinutes > 0 && left <= job.warningMinutes * MINUTE;
    this.options.status?.display(formatLeft(left), statusTitle(job, stopsAt), urgent);
    const text = warningText(left, stopsAt, job.proposalsView);
    switch (decideWarning(left, job.warningMinutes, this._shownFor, stopsAt)) {
      case 'warn':
        this._noticeId = Notification.warning(text, this.noticeOptions());
        break;
      case 'update':
        if (this._noticeId !== null) {
          Notification.update({
            id: this._noticeId,
            message: text,
            type: 'warning',
            ...this.noticeOptions()
          });
        }
        break;
      case 'withdraw':
        this.withdraw();
        return;
      case 'none':
        return;
    }
    this._shownFor = stopsAt;
  }

  private noticeOptions(): Notification.IOptions<ReadonlyJSONValue> {
    return {
      autoClose: false,
      actions: [
        {
          label: 'Save all',
          caption: 'Save every open notebook and file (File > Save All)',
          displayType: 'accent',
          callback: () => void this.options.execute(SAVE_ALL)
        }
      ]
    };
  }

  private withdraw(): void {
    if (this._noticeId !== null) {
      Notification.dismiss(this._noticeId);
    }
    this._noticeId = null;
    this._shownFor = null;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private _job: IJobInfo | null = null;
  private _fetchedAt = 0;
  private _noticeId: string | null = null;
  private _shownFor: string | null = null;
}
