/**
 * panhub in JupyterLab: the plugins of `@panhub/catalogue` (the catalogue panel, the
 * NeXus viewer for files).
 */
import { cataloguePlugin } from './plugin';
import { viewerPlugin } from './viewer';

export * from './tokens';

export default [cataloguePlugin, viewerPlugin];
