/**
 * `@panhub/catalogue:walltime`: the time left of the server's SLURM job in the status bar,
 * and a warning (not closing by itself, with a "Save all" button) when it is about to end,
 * at the lead time the hub sets (`FacilitySlurmSpawner.walltime_warning_minutes`). The
 * job comes from the server's `api/job` route; a server outside SLURM shows nothing.
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { IStatusBar } from '@jupyterlab/statusbar';

import { makeRequester } from '../api';
import { WalltimeStatus } from './status';
import { IJobInfo } from './time';
import { WalltimeWatch } from './watch';

export const WALLTIME_PLUGIN = '@panhub/catalogue:walltime';
/** How often the status bar and the warning follow the clock. */
const TICK_MS = 15_000;
/** How often the server is asked again (an administrator may change the time limit). */
const REFRESH_MS = 5 * 60_000;

export const walltimePlugin: JupyterFrontEndPlugin<void> = {
  id: WALLTIME_PLUGIN,
  description: "The time left of the server's SLURM job, and a warning before it ends.",
  autoStart: true,
  optional: [IStatusBar],
  activate: (app: JupyterFrontEnd, statusBar: IStatusBar | null) => {
    const request = makeRequester(app.serviceManager.serverSettings);
    const status = statusBar ? new WalltimeStatus() : null;
    if (statusBar && status) {
      statusBar.registerStatusItem(WALLTIME_PLUGIN, { item: status, align: 'left', rank: 100 });
    }
    const watch = new WalltimeWatch({
      fetchJob: () => request<IJobInfo>('job'),
      execute: command => app.commands.execute(command),
      status
    });
    const refresh = () =>
      watch.refresh().catch(reason => console.warn(`${WALLTIME_PLUGIN}: ${reason}`));
    void app.restored.then(async () => {
      await refresh();
      if (watch.job?.end === null) {
        return; // no SLURM job: nothing to follow
      }
      window.setInterval(() => watch.tick(), TICK_MS);
      window.setInterval(() => void refresh(), REFRESH_MS);
    });
  }
};
