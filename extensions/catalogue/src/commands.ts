/**
 * The panel's commands. File commands take `{datafileId}`; without it they act on the
 * file under the context menu, else the file last focused in the details view.
 * Investigation commands take `{investigationId}`, else the row under the context
 * menu, else the selected investigation.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Clipboard, Notification } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReadonlyJSONObject, ReadonlyPartialJSONObject } from '@lumino/coreutils';

import {
  CopyDestination,
  ICitation,
  ICopyJob,
  IDatafile,
  canDownload,
  canOpenInViewer,
  formatSize,
  getCellSource,
  getCopyOutcome,
  getMountedPath,
  getProgress
} from './api';
import { COLUMNS, ColumnId } from './columns';
import type { CatalogueModel } from './model';
import { CommandIDs, OPEN_NEXUS_COMMAND } from './tokens';
import type { CataloguePanel } from './widgets/panel';

export interface ICommandContext {
  app: JupyterFrontEnd;
  model: CatalogueModel;
  panel: CataloguePanel;
  trans: TranslationBundle;
  notebooks: INotebookTracker | null;
  /** Current settings (read at each call). */
  getCopyDestination: () => CopyDestination;
  setColumns: (columns: ColumnId[]) => void;
}

/** Poll interval of a copy's progress, in milliseconds. */
const COPY_POLL_MS = 500;

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

export function addCommands(ctx: ICommandContext): void {
  const { app, model, panel, trans } = ctx;
  const __ = trans.__.bind(trans);
  const commands = app.commands;

  /** The file a command acts on. */
  const findFile = (args: ReadonlyPartialJSONObject): IDatafile | null => {
    if (typeof args.datafileId === 'number') {
      return model.getFile(args.datafileId) ?? null;
    }
    const node = app.contextMenuHitTest(n => n.classList?.contains('panhub-CatalogueFile') ?? false);
    if (node?.dataset.datafileId) {
      return model.getFile(Number(node.dataset.datafileId)) ?? null;
    }
    return model.currentFile;
  };

  /** The investigation a command acts on. */
  const findInvestigationId = (args: ReadonlyPartialJSONObject): number | null => {
    if (typeof args.investigationId === 'number') {
      return args.investigationId;
    }
    const node = app.contextMenuHitTest(n => n.classList?.contains('panhub-CatalogueResults-row') ?? false);
    if (node?.dataset.investigationId) {
      return Number(node.dataset.investigationId);
    }
    return model.selectedId;
  };

  const fileLabel = (args: ReadonlyPartialJSONObject, text: string) => {
    const file = findFile(args);
    return file && args.datafileId !== undefined ? `${text}: ${file.name}` : text;
  };

  commands.addCommand(CommandIDs.show, {
    label: __('Show the Catalogue'),
    caption: __('Open the data catalogue side panel'),
    execute: () => {
      app.shell.activateById(panel.id);
      panel.filters.focusSearch();
      // From the modal command palette, the palette activates the main area's widget
      // once any command has run (its `restore`), which takes the focus back: focus
      // again after that activation has been processed (Lumino posts it for a frame).
      setTimeout(() => {
        requestAnimationFrame(() => {
          if (panel.isVisible) {
            panel.filters.focusSearch();
          }
        });
      }, 0);
    }
  });

  commands.addCommand(CommandIDs.refresh, {
    label: __('Search Again'),
    caption: __('Run the catalogue search again'),
    execute: () => {
      if (model.connection === 'ready') {
        model.refresh();
      } else {
        void model.connect();
      }
    }
  });

  commands.addCommand(CommandIDs.clearFilters, {
    label: __('Clear Catalogue Filters'),
    execute: () => model.clearFilters()
  });

  commands.addCommand(CommandIDs.toggleColumn, {
    label: args => {
      const column = COLUMNS.find(c => c.id === args.column);
      return column ? __(column.label) : __('Column');
    },
    isToggled: args => model.columns.includes(args.column as ColumnId),
    isEnabled: args => args.column !== 'proposal',
    execute: args => {
      const id = args.column as ColumnId;
      const now = model.columns;
      ctx.setColumns(now.includes(id) ? now.filter(c => c !== id) : [...now, id]);
    }
  });

  commands.addCommand(CommandIDs.openDetails, {
    label: __('Show Details'),
    isEnabled: args => findInvestigationId(args) !== null,
    execute: args => {
      const id = findInvestigationId(args);
      if (id !== null) {
        model.select(id);
      }
    }
  });

  const getCitation = async (args: ReadonlyPartialJSONObject): Promise<ICitation | null> => {
    const id = findInvestigationId(args) ?? findFile(args)?.investigationId ?? null;
    if (id === null) {
      return null;
    }
    if (model.investigation?.id === id && model.investigation.citation) {
      return model.investigation.citation;
    }
    return model.client.citation(id);
  };

  const copyCitation = async (args: ReadonlyPartialJSONObject, form: 'text' | 'bibtex') => {
    try {
      const citation = await getCitation(args);
      const text = citation?.[form];
      if (!text) {
        Notification.warning(__('This investigation has no citation.'), { autoClose: 4000 });
        return;
      }
      Clipboard.copyToSystem(text);
      Notification.success(form === 'text' ? __('Citation copied') : __('BibTeX copied'), { autoClose: 2500 });
    } catch (error) {
      Notification.error(__('Could not get the citation: %1', (error as Error).message));
    }
  };

  commands.addCommand(CommandIDs.copyCitation, {
    label: __('Copy Citation'),
    caption: __('Copy the citation of the investigation (DataCite text form)'),
    execute: args => copyCitation(args, 'text')
  });

  commands.addCommand(CommandIDs.copyBibtex, {
    label: __('Copy Citation as BibTeX'),
    execute: args => copyCitation(args, 'bibtex')
  });

  commands.addCommand(CommandIDs.copyDoi, {
    label: __('Copy DOI'),
    isEnabled: args => {
      const id = findInvestigationId(args);
      return id !== null;
    },
    execute: async args => {
      const id = findInvestigationId(args);
      if (id === null) {
        return;
      }
      const record = model.investigation?.id === id ? model.investigation : await model.client.investigation(id);
      if (record.doi) {
        Clipboard.copyToSystem(record.doi);
        Notification.success(__('DOI copied'), { autoClose: 2500 });
      } else {
        Notification.warning(__('Investigation %1 has no DOI.', record.name), { autoClose: 4000 });
      }
    }
  });

  commands.addCommand(CommandIDs.openLanding, {
    label: __('Open Landing Page'),
    execute: async args => {
      const id = findInvestigationId(args);
      if (id === null) {
        return;
      }
      const record = model.investigation?.id === id ? model.investigation : await model.client.investigation(id);
      if (record.landingUrl) {
        window.open(record.landingUrl, '_blank', 'noopener');
      } else {
        Notification.warning(__('The server gave no landing page for %1.', record.name), { autoClose: 4000 });
      }
    }
  });

  commands.addCommand(CommandIDs.openInViewer, {
    label: args => fileLabel(args, __('Open in NeXus Viewer')),
    caption: __('Open the file in the NeXus viewer'),
    isEnabled: args => {
      const file = findFile(args);
      return file !== null && canOpenInViewer(file);
    },
    execute: async args => {
      const file = findFile(args);
      const path = file ? getMountedPath(file) : null;
      if (!file || !path) {
        Notification.warning(__('This file is not mounted here: download it instead.'), { autoClose: 5000 });
        return;
      }
      if (!commands.hasCommand(OPEN_NEXUS_COMMAND)) {
        Notification.warning(
          __('The NeXus viewer is not installed in this JupyterLab (command %1 is missing). Use "Insert Code Cell" to open %2 from a notebook.', OPEN_NEXUS_COMMAND, file.name),
          { autoClose: 8000 }
        );
        return;
      }
      try {
        await commands.execute(OPEN_NEXUS_COMMAND, { path });
      } catch (error) {
        Notification.error(__('Could not open %1 in the viewer: %2', file.name, (error as Error).message));
      }
    }
  });

  /** A new code cell below the active one of the current notebook: never overwrites one. */
  const insertBelow = (source: string, what: string): void => {
    const current = ctx.notebooks?.currentWidget;
    if (!current) {
      Notification.warning(__('Open a notebook first: the cell goes below its active cell.'), { autoClose: 5000 });
      return;
    }
    const notebook = current.content;
    if (!notebook.model) {
      return;
    }
    if (notebook.activeCell === null && notebook.widgets.length) {
      notebook.activeCellIndex = notebook.widgets.length - 1;
    }
    NotebookActions.insertBelow(notebook);
    const cell = notebook.activeCell;
    if (cell && cell.model.type !== 'code') {
      NotebookActions.changeCellType(notebook, 'code');
    }
    notebook.activeCell?.model.sharedModel.setSource(source);
    app.shell.activateById(current.id);
    Notification.info(__('Cell inserted for %1 (not run).', what), { autoClose: 3000 });
  };

  commands.addCommand(CommandIDs.insertCell, {
    label: args => fileLabel(args, __('Insert Code Cell Below')),
    caption: __('Insert a marked code cell that opens the file below the active cell (not run)'),
    isEnabled: args => {
      const file = findFile(args);
      return file !== null && getMountedPath(file) !== null;
    },
    execute: args => {
      const file = findFile(args);
      const source = file ? getCellSource(file) : null;
      if (!file || !source) {
        Notification.warning(__('The server gave no code for this file.'), { autoClose: 5000 });
        return;
      }
      insertBelow(source, file.name);
    }
  });

  // a dataset's actions take what the details view shows of it: its cell and folder
  commands.addCommand(CommandIDs.insertDatasetCell, {
    label: __('Insert Code Cell Below'),
    caption: __("Insert a marked code cell that lists the dataset's files (not run)"),
    execute: args => {
      const source = typeof args.cell === 'string' ? args.cell : '';
      if (!source) {
        Notification.warning(__('The server gave no code for this dataset.'), { autoClose: 5000 });
        return;
      }
      insertBelow(source, String(args.name ?? ''));
    }
  });

  /** A path as mounted on the clipboard, or why there is none. */
  const copyPath = (path: string | null, notMounted: string): void => {
    if (!path) {
      Notification.warning(notMounted, { autoClose: 5000 });
      return;
    }
    Clipboard.copyToSystem(path);
    Notification.success(__('Path copied: %1', path), { autoClose: 2500 });
  };

  commands.addCommand(CommandIDs.copyDatasetPath, {
    label: __('Copy Path'),
    caption: __("Copy the dataset's folder as mounted in this server"),
    execute: args =>
      copyPath(typeof args.path === 'string' ? args.path : null, __('This dataset is not mounted here.'))
  });

  commands.addCommand(CommandIDs.copyPath, {
    label: args => fileLabel(args, __('Copy Path')),
    caption: __('Copy the path of the file as mounted in this server'),
    isEnabled: args => {
      const file = findFile(args);
      return file !== null && getMountedPath(file) !== null;
    },
    execute: args => {
      const file = findFile(args);
      copyPath(file ? getMountedPath(file) : null, __('This file is not mounted here: download it instead.'));
    }
  });

  commands.addCommand(CommandIDs.copyCode, {
    label: args => fileLabel(args, __('Copy Code to Open')),
    isEnabled: args => {
      const file = findFile(args);
      return file !== null && getCellSource(file) !== null;
    },
    execute: args => {
      const file = findFile(args);
      const source = file ? getCellSource(file) : null;
      if (source) {
        Clipboard.copyToSystem(source);
        Notification.success(__('Code copied'), { autoClose: 2500 });
      }
    }
  });

  commands.addCommand(CommandIDs.download, {
    label: args => fileLabel(args, __('Download to My Computer')),
    isEnabled: args => {
      const file = findFile(args);
      return file !== null && canDownload(file);
    },
    execute: args => {
      const file = findFile(args);
      if (!file || !file.downloadUrl) {
        Notification.warning(__('No download is on offer for this file.'), { autoClose: 5000 });
        return;
      }
      // a top-level navigation: the hub's login runs once; the answer is an attachment,
      // so the Lab stays on the page
      const link = document.createElement('a');
      link.href = file.downloadUrl;
      link.rel = 'noopener';
      link.download = file.name;
      document.body.appendChild(link);
      link.click();
      link.remove();
    }
  });

  commands.addCommand(CommandIDs.copyToWorkspace, {
    label: args => fileLabel(args, __('Copy into My Workspace')),
    caption: __('Copy the file into your workspace, with progress'),
    isEnabled: args => findFile(args) !== null,
    execute: async args => {
      const file = findFile(args);
      if (!file) {
        return;
      }
      const destination = ctx.getCopyDestination();
      let job: ICopyJob;
      try {
        job = await model.client.startCopy(file.id, destination);
      } catch (error) {
        Notification.error(__('Could not copy %1: %2', file.name, (error as Error).message));
        return;
      }
      let cancelled = false;
      let id = '';
      const copying = (async (): Promise<ReadonlyJSONObject> => {
        let state = job;
        while (getCopyOutcome(state.state) === 'running') {
          await sleep(COPY_POLL_MS);
          state = await model.client.copy(job.id);
          const percent = getProgress(state.bytes, state.total ?? file.fileSize);
          Notification.update({
            id,
            type: 'in-progress',
            message:
              percent === null
                ? __('Copying %1…', file.name)
                : __('Copying %1: %2% of %3', file.name, percent, formatSize(state.total ?? file.fileSize)),
            autoClose: false
          });
        }
        if (getCopyOutcome(state.state) === 'failed') {
          throw new Error(cancelled ? __('cancelled') : state.message || state.state);
        }
        return state as unknown as ReadonlyJSONObject;
      })();
      id = Notification.promise(copying, {
        pending: {
          message: __('Copying %1 (%2)…', file.name, formatSize(file.fileSize)),
          options: {
            autoClose: false,
            actions: [
              {
                label: __('Cancel'),
                callback: () => {
                  cancelled = true;
                  void model.client.cancelCopy(job.id);
                }
              }
            ]
          }
        },
        success: { message: result =>
            __('Copied %1 to %2', file.name, (result as unknown as ICopyJob).path ?? job.path ?? ''), options: { autoClose: 5000, actions: [] } },
        error: {
          message: (error: unknown) => __('Copy of %1 failed: %2', file.name, (error as Error)?.message ?? String(error)),
          options: { actions: [] }
        }
      });
      await copying.catch(() => undefined);
    }
  });
}
