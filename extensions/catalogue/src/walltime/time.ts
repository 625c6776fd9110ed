/**
 * No DOM: when the job's walltime warning is due, and its words (time left, end time,
 * what to do). The server's `api/job` route says when the job ends (`end`) on its own
 * clock (`now`); the browser's clock only measures the time since that answer, so a
 * browser clock that is off does not move the warning.
 */

/** The `api/job` route's answer (times in seconds since 1970). */
export interface IJobInfo {
  /** The SLURM job id; null outside SLURM. */
  jobId: string | null;
  /** The node the job runs on. */
  node: string | null;
  /** When the job's time limit runs out; null when it has none (no warning, no status). */
  end: number | null;
  /** Minutes before `end` at which to warn (0: never). */
  warningMinutes: number;
  /** The server's clock when it answered. */
  now: number;
  /** Where the proposals are mounted (their `processed/` folders are kept). */
  proposalsView: string | null;
}

export const MINUTE = 60_000;
/** JupyterLab truncates a notification's message beyond this many characters. */
export const MAX_NOTICE_LENGTH = 140;

/** What the warning should do now. */
export type WarningAction = 'warn' | 'update' | 'withdraw' | 'none';

/**
 * Milliseconds left before the job ends, `elapsedMs` after the answer `job` came; null
 * when the job has no end.
 */
export function remainingMs(job: IJobInfo, elapsedMs: number): number | null {
  if (job.end === null || !Number.isFinite(job.end)) {
    return null;
  }
  return (job.end - job.now) * 1000 - elapsedMs;
}

/**
 * Whether to show, renew or take back the warning. It is shown once, when the time left
 * reaches the lead time (it says when the server stops, so it does not go stale; the
 * status bar counts down); renewed only if that moment changed (an administrator moved
 * the job's end: a closed warning then comes back, on purpose); taken back when the end
 * moves beyond the lead time.
 *
 * @param shownFor - the stop time the warning on screen names, or null if none is.
 * @param stopsAt - the stop time now.
 */
export function decideWarning(
  leftMs: number | null,
  warningMinutes: number,
  shownFor: string | null,
  stopsAt: string
): WarningAction {
  const due = leftMs !== null && warningMinutes > 0 && leftMs <= warningMinutes * MINUTE;
  if (!due) {
    return shownFor === null ? 'none' : 'withdraw';
  }
  if (shownFor === null) {
    return 'warn';
  }
  return shownFor === stopsAt ? 'none' : 'update';
}

/**
 * The time left in words: `2 h 10 min left`, `9 min left`, `less than 1 min left`,
 * `time is up`. Whole minutes, rounded down: never more time than there is.
 */
export function formatLeft(leftMs: number): string {
  if (leftMs <= 0) {
    return 'time is up';
  }
  const minutes = Math.floor(leftMs / MINUTE);
  if (minutes < 1) {
    return 'less than 1 min left';
  }
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) {
    return `${rest} min left`;
  }
  return rest ? `${hours} h ${rest} min left` : `${hours} h left`;
}

/**
 * A moment as the user's clock shows it: `HH:MM` (24 h), with the date when it is not
 * on the day of `today`.
 */
export function formatClock(when: Date, today: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const clock = `${pad(when.getHours())}:${pad(when.getMinutes())}`;
  const sameDay =
    when.getFullYear() === today.getFullYear() &&
    when.getMonth() === today.getMonth() &&
    when.getDate() === today.getDate();
  if (sameDay) {
    return clock;
  }
  return `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())} ${clock}`;
}

/**
 * The warning's message: when the server stops, the time left, how to save and what is
 * kept. At most {@link MAX_NOTICE_LENGTH} characters (the longest wording that fits).
 */
export function warningText(leftMs: number, stopsAt: string, proposalsView: string | null): string {
  const head = `Your server stops at ${stopsAt} (${formatLeft(leftMs)}).`;
  const processed = proposalsView ? `${proposalsView.replace(/\/+$/, '')}/<proposal>/processed` : '';
  const kept = processed
    ? [`your home and ${processed} are kept.`, 'your home and processed/ are kept.']
    : ['files in your home folder are kept.'];
  const candidates = kept.map(k => `${head} Save your notebooks now (File > Save All); ${k}`);
  candidates.push(`${head} Save your notebooks now (File > Save All).`);
  return (
    candidates.find(text => text.length <= MAX_NOTICE_LENGTH) ??
    candidates[candidates.length - 1].slice(0, MAX_NOTICE_LENGTH)
  );
}

/** The status bar's tooltip: the job, its node, when it ends. */
export function statusTitle(job: IJobInfo, stopsAt: string): string {
  const where = job.node ? ` on ${job.node}` : '';
  return `SLURM job ${job.jobId ?? ''}${where} ends at ${stopsAt}; the server stops then.`;
}
