/**
 * The user's places in the file browser: a "Home" button in its toolbar beside the
 * breadcrumbs' preferred folder (the proposals, `/data`). The Lab's root is the server's whole
 * view (`/`), so both are folders below it; the server says which
 * (`GET <baseUrl>panhub-catalogue/api/places`).
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ToolbarButton } from '@jupyterlab/apputils';
import { URLExt } from '@jupyterlab/coreutils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ServerConnection } from '@jupyterlab/services';
import { homeIcon } from '@jupyterlab/ui-components';


/** Contents paths of the user's folders; null where the server has none. */
export interface IPlaces {
  home: string | null;
  proposals: string | null;
}

/**
 * The toolbar buttons for `places`, in order: [name, label, path]. The proposals need
 * none: they are the Lab's preferred folder, the first icon of the breadcrumbs (and a
 * second button would not fit the toolbar's width).
 */
export function placeButtons(places: IPlaces): [string, string, string][] {
  const buttons: [string, string, string][] = [];
  if (places.home !== null) {
    buttons.push(['panhub-home', 'Home', places.home]);
  }
  return buttons;
}

async function requestPlaces(settings: ServerConnection.ISettings): Promise<IPlaces> {
  const url = URLExt.join(settings.baseUrl, 'panhub-catalogue', 'api', 'places');
  const response = await ServerConnection.makeRequest(url, {}, settings);
  if (!response.ok) {
    throw new Error(`places: ${response.status}`);
  }
  return (await response.json()) as IPlaces;
}

/** The command that shows the home folder in the file browser. */
export const GO_HOME = 'panhub:go-home';

export const placesPlugin: JupyterFrontEndPlugin<void> = {
  id: '@panhub/catalogue:places',
  description: 'The home folder one click away in the file browser (and the File menu).',
  autoStart: true,
  requires: [IDefaultFileBrowser],
  activate: (app: JupyterFrontEnd, browser: IDefaultFileBrowser) => {
    let home: string | null = null;
    app.commands.addCommand(GO_HOME, {
      label: 'Go to Home Folder',
      caption: 'Show your home folder in the file browser',
      icon: homeIcon,
      isEnabled: () => home !== null,
      execute: async () => {
        if (home !== null) {
          await app.commands.execute('filebrowser:activate');
          await browser.model.cd(`/${home}`);
        }
      }
    });
    void requestPlaces(app.serviceManager.serverSettings)
      .then(places => {
        placeButtons(places).forEach(([name, label, path], i) => {
          home = path;
          // an icon only: the toolbar has no room for a label; the tooltip names it
          const button = new ToolbarButton({
            icon: homeIcon,
            tooltip: `${label}: /${path}`,
            onClick: () => void app.commands.execute(GO_HOME)
          });
          if (!browser.toolbar.insertAfter('refresh', name, button)) {
            browser.toolbar.insertItem(4 + i, name, button);
          }
        });
      })
      .catch(reason => console.warn(`@panhub/catalogue:places: ${reason}`));
  }
};
