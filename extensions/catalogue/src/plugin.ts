/**
 * The catalogue side panel plugin: the model on the server extension's routes, the
 * panel in the left sidebar, the commands, settings (columns, copy destination,
 * debounce) and the state database (filters and sort) kept across reloads.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { ReadonlyPartialJSONValue } from '@lumino/coreutils';

import { CatalogueClient, CopyDestination, makeRequester } from './api';
import { addCollectionCommand } from './collections';
import { addCommands } from './commands';
import { ColumnId } from './columns';
import { CatalogueModel, IPanelState } from './model';
import { CommandIDs, ICatalogue } from './tokens';
import { CataloguePanel } from './widgets/panel';

/** The plugin's id (its settings are `schema/plugin.json`). */
export const PLUGIN_ID = '@panhub/catalogue:plugin';
/** Key of the panel's state in the state database. */
const STATE_KEY = `${PLUGIN_ID}:state`;

export const cataloguePlugin: JupyterFrontEndPlugin<ICatalogue> = {
  id: PLUGIN_ID,
  description: 'The facility data catalogue as a side panel.',
  autoStart: true,
  provides: ICatalogue,
  optional: [ILayoutRestorer, ISettingRegistry, IStateDB, ITranslator, INotebookTracker, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    state: IStateDB | null,
    translator: ITranslator | null,
    notebooks: INotebookTracker | null,
    palette: ICommandPalette | null
  ): ICatalogue => {
    const trans = (translator ?? nullTranslator).load('panhub_catalogue');
    const client = new CatalogueClient(makeRequester(app.serviceManager.serverSettings));
    const model = new CatalogueModel(client);
    const panel = new CataloguePanel(model, app.commands, trans);
    app.shell.add(panel, 'left', { rank: 900 });
    restorer?.add(panel, 'panhub-catalogue');

    let settings: ISettingRegistry.ISettings | null = null;
    const readSettings = () => {
      if (!settings) {
        return;
      }
      model.setColumns(settings.get('columns').composite);
      const debounce = settings.get('searchDebounce').composite;
      if (typeof debounce === 'number') {
        panel.filters.debounceMs = debounce;
      }
    };

    addCommands({
      app,
      model,
      panel,
      trans,
      notebooks,
      getCopyDestination: () =>
        (settings?.get('copyDestination').composite as CopyDestination | undefined) ?? 'home',
      setColumns: (columns: ColumnId[]) => {
        model.setColumns(columns);
        void settings?.set('columns', model.columns);
      }
    });
    addCollectionCommand(app.commands, model, trans);
    if (palette) {
      const category = trans.__('Catalogue');
      for (const command of [CommandIDs.show, CommandIDs.refresh, CommandIDs.clearFilters, CommandIDs.newCollection]) {
        palette.addItem({ command, category });
      }
    }

    // filters and sort come back after a reload; then the handshake and the first search
    const ready = Promise.all([
      app.restored,
      settingRegistry
        ?.load(PLUGIN_ID)
        .then(loaded => {
          settings = loaded;
          readSettings();
          loaded.changed.connect(readSettings);
        })
        .catch(reason => console.warn('panhub catalogue: settings not loaded', reason))
    ]);
    void ready
      .then(async () => {
        const saved = (await state?.fetch(STATE_KEY)) as Partial<IPanelState> | undefined;
        model.restore(saved);
      })
      .catch(reason => console.warn('panhub catalogue: state not restored', reason))
      .then(async () => {
        model.stateChanged.connect((_, value) => {
          void state?.save(STATE_KEY, value as unknown as ReadonlyPartialJSONValue);
        });
        await panel.firstShown; // no catalogue request from a Lab that never opens the panel
        return model.connect();
      });

    return {
      client,
      model,
      show: (investigationId?: number) => {
        app.shell.activateById(panel.id);
        if (investigationId !== undefined) {
          model.select(investigationId);
        }
      }
    };
  }
};
