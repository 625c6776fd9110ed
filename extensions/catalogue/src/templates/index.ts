/**
 * `@panhub/catalogue:templates`: the template notebooks as a "Templates" section of the
 * Launcher (one card per template, under its kernel's logo), in the command palette and
 * as File → "New from Template…". `panhub:open-template` copies a template into the
 * file browser's folder (or the user's home when the server refuses that folder as
 * read-only, e.g. a proposal's `raw/`, with a notification saying where it went) and
 * opens the copy: a template is never edited in place. Settings: `schema/templates.json`.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import type { IDisposable } from '@lumino/disposable';

import { CatalogueClient, makeRequester } from '../api';
import type { ITemplate } from '../api/types';
import {
  ICON_CLASS,
  OPEN_TEMPLATE,
  TEMPLATES_CATEGORY,
  copyTemplate,
  fallbackMessage,
  folderOf,
  iconClasses,
  launcherItem,
  makeIconStyle,
  missingKernelMessage,
  templateCaption,
  templateLabel
} from './model';
import { pickTemplate } from './picker';

export const TEMPLATES_PLUGIN = '@panhub/catalogue:templates';

export const templatesPlugin: JupyterFrontEndPlugin<void> = {
  id: TEMPLATES_PLUGIN,
  description:
    'Template notebooks in the Launcher, the palette and the File menu: a copy opens, never the template.',
  autoStart: true,
  requires: [IDefaultFileBrowser],
  optional: [ILauncher, ICommandPalette, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    browser: IDefaultFileBrowser,
    launcher: ILauncher | null,
    palette: ICommandPalette | null,
    registry: ISettingRegistry | null
  ) => {
    const client = new CatalogueClient(makeRequester(app.serviceManager.serverSettings));
    const kernelspecs = app.serviceManager.kernelspecs;
    const style = document.createElement('style');
    style.id = 'panhub-template-icons';
    document.head.appendChild(style);

    let templates: ITemplate[] = [];
    let classes = new Map<string, string>();
    let showInLauncher = true;
    let shown: IDisposable[] = [];
    let home: Promise<string | null> | null = null;

    const find = (args: ReadonlyPartialJSONObject): ITemplate | null =>
      typeof args.id === 'string' ? templates.find(t => t.id === args.id) ?? null : null;

    /** The Launcher's cards and the palette's entries, for the templates as they are now. */
    const show = () => {
      shown.forEach(item => item.dispose());
      shown = [];
      templates.forEach((template, i) => {
        if (launcher && showInLauncher) {
          shown.push(launcher.add(launcherItem(template, i)));
        }
        if (palette) {
          const args = { id: template.id };
          shown.push(palette.addItem({ command: OPEN_TEMPLATE, args, category: TEMPLATES_CATEGORY }));
        }
      });
    };

    /** Ask the server for the templates again (and the kernels for their logos). */
    const refresh = async () => {
      await kernelspecs.ready;
      templates = (await client.templates()).items;
      const logos: string[] = [];
      classes = iconClasses(templates, kernelspecs.specs, logos);
      style.textContent = makeIconStyle(logos);
      show();
    };
    const refreshQuietly = () =>
      void refresh().catch(reason => console.warn(`${TEMPLATES_PLUGIN}: ${reason}`));

    const getHome = () => {
      home ??= client
        .places()
        .then(places => places.home)
        .catch(() => {
          home = null; // asked again next time
          return null;
        });
      return home;
    };

    app.commands.addCommand(OPEN_TEMPLATE, {
      label: args => templateLabel(find(args), args.isLauncher ? 'launcher' : 'palette'),
      caption: args => templateCaption(find(args)),
      iconClass: args => classes.get(String(args.id)) ?? ICON_CLASS,
      describedBy: {
        args: {
          type: 'object',
          properties: {
            id: {
              type: 'string',
              description: 'The template (saxs/01-integrate-fit.ipynb); none: pick one'
            },
            cwd: {
              type: 'string',
              description: "The folder to copy into (default: the file browser's)"
            }
          }
        }
      },
      execute: async args => {
        let id = typeof args.id === 'string' ? args.id : null;
        if (id === null || find(args) === null) {
          await refresh(); // the picker lists what is there now; a card may be stale
          id ??= await pickTemplate(templates);
          if (id === null) {
            return;
          }
        }
        const template = templates.find(t => t.id === id);
        if (!template) {
          Notification.error(`No template ${id} on this server any more.`);
          return;
        }
        const folder = typeof args.cwd === 'string' ? args.cwd : browser.model.path;
        const copy = await copyTemplate(client, template.id, folder, getHome).catch(error => {
          const why = (error as Error)?.message ?? String(error);
          Notification.error(`Could not copy the template "${template.title}": ${why}`, {
            autoClose: false
          });
          return null;
        });
        if (copy === null) {
          return;
        }
        const fellBack = fallbackMessage(copy);
        if (fellBack !== null) {
          Notification.info(fellBack, {
            autoClose: 12000,
            actions: [
              {
                label: 'Show in file browser',
                callback: () => void browser.model.cd(folderOf(copy.path))
              }
            ]
          });
        }
        const missing = missingKernelMessage(template);
        if (missing !== null) {
          Notification.warning(missing, { autoClose: false });
        }
        void browser.model.refresh();
        return app.commands.execute('docmanager:open', { path: copy.path, factory: 'Notebook' });
      }
    });
    palette?.addItem({ command: OPEN_TEMPLATE, category: TEMPLATES_CATEGORY });

    kernelspecs.specsChanged.connect(refreshQuietly);
    if (registry) {
      void registry
        .load(TEMPLATES_PLUGIN)
        .then(settings => {
          const apply = () => {
            showInLauncher = settings.get('showInLauncher').composite !== false;
            show();
          };
          settings.changed.connect(apply);
          showInLauncher = settings.get('showInLauncher').composite !== false;
        })
        .catch(reason => console.warn(`${TEMPLATES_PLUGIN}: ${reason}`))
        .then(refreshQuietly);
    } else {
      refreshQuietly();
    }
  }
};
