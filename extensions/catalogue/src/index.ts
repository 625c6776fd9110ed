/**
 * panhub in JupyterLab: the plugins of `@panhub/catalogue`.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';

import { viewerPlugin } from './viewer';

const plugin: JupyterFrontEndPlugin<void> = {
  id: '@panhub/catalogue:plugin',
  description: 'The facility data catalogue in JupyterLab.',
  autoStart: true,
  activate: (app: JupyterFrontEnd) => {
    void app;
  }
};

export default [plugin, viewerPlugin];
