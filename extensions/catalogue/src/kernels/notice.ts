/**
 * A non-blocking notice when a notebook runs on a retired staff kernel: `panhub kernels retire`
 * keeps the spec startable (the notebook still opens and runs) and this says which version
 * is current.
 */
import { Notification } from '@jupyterlab/apputils';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { KernelSpec } from '@jupyterlab/services';

import { currentSpecName, isRetiredSpec, retiredNotice } from './specs';

/** The command that lets the user pick another kernel for the current notebook. */
export const CHANGE_KERNEL = 'notebook:change-kernel';

export interface INoticeOptions {
  /** The kernelspecs (the service manager's). */
  kernelspecs: KernelSpec.IManager;
  /** Whether to notify now (the plugin's `noticeRetired` setting). */
  enabled: () => boolean;
  /** Run a command (the notice's "Change kernel…" button). */
  execute: (command: string) => Promise<unknown>;
}

/**
 * The notice's text for a session on the spec `specName`, or null when that spec is not a
 * retired staff kernel.
 */
export function noticeFor(
  specs: KernelSpec.ISpecModels | null | undefined,
  specName: string | undefined
): string | null {
  if (!specs || !specName || !isRetiredSpec(specs.kernelspecs[specName])) {
    return null;
  }
  return retiredNotice(specName, currentSpecName(specs, specName));
}

/** Watch `panel`'s session: notify once per retired kernel it starts on (once per name). */
export function watchNotebook(panel: NotebookPanel, options: INoticeOptions): void {
  const told = new Set<string>();
  const check = async () => {
    const name = panel.sessionContext.session?.kernel?.name;
    if (!name || told.has(name) || !options.enabled()) {
      return;
    }
    // claimed before waiting: the session's `ready` and `kernelChanged` come together
    told.add(name);
    await options.kernelspecs.ready;
    const text = noticeFor(options.kernelspecs.specs, name);
    if (text === null || panel.isDisposed) {
      return;
    }
    Notification.warning(text, {
      autoClose: false,
      actions: [
        {
          label: 'Change kernel…',
          caption: `Choose another kernel for ${panel.title.label}`,
          callback: () => {
            panel.content.activate();
            void options.execute(CHANGE_KERNEL);
          }
        }
      ]
    });
  };
  const onChange = () => void check().catch(reason => console.warn(reason));
  panel.sessionContext.kernelChanged.connect(onChange);
  void panel.sessionContext.ready.then(onChange);
}
