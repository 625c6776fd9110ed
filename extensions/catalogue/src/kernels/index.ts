/**
 * `@panhub/catalogue:kernels`: staff kernels in the Launcher (retired versions hidden, staff
 * kernels together after the default one, `base` first) and a notice when a notebook runs
 * on a retired version. Settings: `schema/kernels.json`.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ILauncher } from '@jupyterlab/launcher';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { DEFAULT_LAUNCHER_SETTINGS, LauncherCurator } from './launcher';
import { watchNotebook } from './notice';

export const KERNELS_PLUGIN = '@panhub/catalogue:kernels';

export const kernelsPlugin: JupyterFrontEndPlugin<void> = {
  id: KERNELS_PLUGIN,
  description:
    'Staff kernels in the Launcher: retired versions hidden, grouped by technique; a notice on retired kernels.',
  autoStart: true,
  optional: [ILauncher, INotebookTracker, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    launcher: ILauncher | null,
    notebooks: INotebookTracker | null,
    registry: ISettingRegistry | null
  ) => {
    const kernelspecs = app.serviceManager.kernelspecs;
    // installed at once, before the kernelspecs arrive, so that no card slips past
    const curator = launcher ? new LauncherCurator(launcher, DEFAULT_LAUNCHER_SETTINGS) : null;
    kernelspecs.specsChanged.connect(() => curator?.dropAdopted());
    let noticeRetired = true;

    notebooks?.widgetAdded.connect((_, panel) =>
      watchNotebook(panel, {
        kernelspecs,
        enabled: () => noticeRetired,
        execute: command => app.commands.execute(command)
      })
    );

    if (registry) {
      void registry
        .load(KERNELS_PLUGIN)
        .then(settings => {
          const apply = () => {
            noticeRetired = settings.get('noticeRetired').composite !== false;
            curator?.update({
              hideRetired: settings.get('hideRetired').composite !== false,
              groupStaffKernels: settings.get('groupStaffKernels').composite !== false
            });
          };
          apply();
          settings.changed.connect(apply);
        })
        .catch(reason => console.warn(`${KERNELS_PLUGIN}: ${reason}`));
    }
  }
};
