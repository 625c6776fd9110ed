/**
 * The NeXus viewer plugin: a file type and the "NeXus viewer" widget factory for
 * .nxs .nx5 .h5 .hdf5 .cxi, the commands `panhub:open-nexus` (for the catalogue
 * panel) and `panhub:copy-nexus-code`, a toolbar button and a file-browser item.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Clipboard,
  Notification,
  ToolbarButton,
  WidgetTracker
} from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { copyIcon, LabIcon, refreshIcon } from '@jupyterlab/ui-components';

import { requestOpenCode } from './api';
import {
  EXTENSIONS,
  FACTORY,
  FILE_TYPE,
  isNexusPath,
  toContentsPath
} from './files';
import { ViewerKernel } from './kernel';
import {
  messageRendererFactory,
  NexusModelFactory,
  NexusViewerDocument,
  NexusViewerFactory
} from './widget';

/** Command ids. */
export namespace CommandIDs {
  export const open = 'panhub:open-nexus';
  export const copyCode = 'panhub:copy-nexus-code';
}

const PLUGIN_ID = '@panhub/catalogue:viewer';

const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16">
<g class="jp-icon3" fill="#616161">
<path d="M3 3h18v18H3zm2 2v14h14V5z"/>
<path d="M7 7h4v4H7zm6 0h4v4h-4zm-6 6h4v4H7zm6 0h4v4h-4z" opacity=".55"/>
<circle cx="15" cy="9" r="1.4"/>
</g></svg>`;

/** The icon of NeXus/HDF5 files. */
export const nexusIcon = new LabIcon({
  name: 'panhub:nexus',
  svgstr: ICON_SVG
});

export const viewerPlugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    "NeXus/HDF5 files open in panhub's viewer, one kernel for all viewer tabs.",
  autoStart: true,
  requires: [IRenderMimeRegistry],
  optional: [ISettingRegistry, ILayoutRestorer, IDefaultFileBrowser],
  activate: (
    app: JupyterFrontEnd,
    rendermime: IRenderMimeRegistry,
    settingRegistry: ISettingRegistry | null,
    restorer: ILayoutRestorer | null,
    browser: IDefaultFileBrowser | null
  ) => {
    const { commands, docRegistry, serviceManager } = app;
    const serverSettings = serviceManager.serverSettings;
    const viewerRendermime = rendermime.clone();
    viewerRendermime.addFactory(messageRendererFactory, 0);
    const kernel = new ViewerKernel({
      serviceManager,
      rendermime: viewerRendermime
    });
    void kernel.reapOrphans().catch(() => undefined);
    if (settingRegistry) {
      void settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          const update = () => {
            kernel.kernelName = settings.get('kernelName').composite as string;
          };
          update();
          settings.changed.connect(update);
          const minutes = settings.get('warmKernelMinutes').composite as number;
          if (minutes > 0) {
            // after the Lab has restored its own widgets, which come first
            void app.restored.then(() => kernel.warm(minutes * 60_000));
          }
        })
        .catch(reason => console.warn(`${PLUGIN_ID}: ${reason}`));
    }

    const absolutePath = async (path: string): Promise<string> =>
      (await requestOpenCode(path, serverSettings)).path;

    docRegistry.addModelFactory(new NexusModelFactory());
    docRegistry.addFileType({
      name: FILE_TYPE,
      displayName: 'NeXus/HDF5 file',
      extensions: EXTENSIONS,
      mimeTypes: ['application/x-hdf5'],
      contentType: 'file',
      fileFormat: null,
      icon: nexusIcon
    });
    const factory = new NexusViewerFactory({
      name: FACTORY,
      label: 'NeXus viewer',
      modelName: 'panhub-nexus',
      fileTypes: [FILE_TYPE],
      defaultFor: [FILE_TYPE],
      readOnly: true,
      canStartKernel: false,
      preferKernel: false,
      kernel,
      resolve: absolutePath
    });
    docRegistry.addWidgetFactory(factory);

    const tracker = new WidgetTracker<NexusViewerDocument>({
      namespace: 'panhub-nexus-viewer'
    });
    factory.widgetCreated.connect((_, widget) => {
      widget.title.icon = nexusIcon;
      widget.toolbar.addItem(
        'copy-code',
        new ToolbarButton({
          icon: copyIcon,
          label: 'Copy code',
          tooltip: 'Copy code to open this (NexusViewer)',
          onClick: () => {
            void commands.execute(CommandIDs.copyCode, {
              path: widget.context.path
            });
          }
        })
      );
      widget.toolbar.addItem(
        'reload',
        new ToolbarButton({
          icon: refreshIcon,
          label: 'Reload',
          tooltip: 'Open the file again (it may still be written)',
          onClick: () => void widget.content.reopen()
        })
      );
      widget.context.pathChanged.connect(() => void tracker.save(widget));
      void tracker.add(widget);
    });
    if (restorer) {
      void restorer.restore(tracker, {
        command: 'docmanager:open',
        args: widget => ({ path: widget.context.path, factory: FACTORY }),
        name: widget => widget.context.path
      });
    }

    // The server's root folder (absolute), to map absolute paths to contents paths.
    let root: Promise<string> | null = null;
    const getRoot = (): Promise<string> => {
      if (!root) {
        root = absolutePath('').catch(err => {
          root = null;
          throw err;
        });
      }
      return root;
    };

    /** The file a command without a path acts on: the viewer in front, or the selection. */
    const currentPath = (): string | null => {
      const widget = tracker.currentWidget;
      if (widget && app.shell.currentWidget === widget) {
        return widget.context.path;
      }
      const item = browser?.selectedItems().next();
      if (item && !item.done && item.value.type !== 'directory') {
        return item.value.path;
      }
      return widget?.context.path ?? null;
    };

    commands.addCommand(CommandIDs.open, {
      label: 'Open in NeXus viewer',
      caption: 'Open a NeXus/HDF5 file in the viewer (contents or absolute path)',
      icon: nexusIcon,
      execute: async args => {
        const given = (args.path as string | undefined) ?? currentPath();
        if (!given) {
          Notification.error('Open in NeXus viewer: no file given.');
          return null;
        }
        try {
          let path = given;
          if (given.startsWith('/')) {
            const mapped = toContentsPath(given, await getRoot());
            if (mapped === null) {
              throw new Error(
                `${given} is outside this Lab's root folder (${await getRoot()}).`
              );
            }
            path = mapped;
          }
          try {
            await serviceManager.contents.get(path, { content: false });
          } catch {
            throw new Error('no such file (or it is not reachable here).');
          }
          return await commands.execute('docmanager:open', {
            path,
            factory: FACTORY
          });
        } catch (err) {
          Notification.error(
            `Could not open ${given}: ${err instanceof Error ? err.message : err}`,
            { autoClose: false }
          );
          return null;
        }
      }
    });

    commands.addCommand(CommandIDs.copyCode, {
      label: 'Copy code to open this',
      caption: 'Copy Python code that opens this file in NexusViewer',
      icon: copyIcon,
      isVisible: args => {
        const path = (args.path as string | undefined) ?? currentPath();
        return !!path && isNexusPath(path);
      },
      execute: async args => {
        const path = (args.path as string | undefined) ?? currentPath();
        if (!path) {
          return;
        }
        try {
          const { code } = await requestOpenCode(path, serverSettings);
          Clipboard.copyToSystem(code.viewer);
          Notification.success('Code to open this file copied.', {
            autoClose: 3000
          });
        } catch (err) {
          Notification.error(
            `Could not copy the code: ${err instanceof Error ? err.message : err}`
          );
        }
      }
    });

    const selector = `.jp-DirListing-item[data-file-type="${FILE_TYPE}"]`;
    app.contextMenu.addItem({
      command: CommandIDs.copyCode,
      selector,
      rank: 3
    });
  }
};
