/**
 * panhub in JupyterLab: the plugins of `@panhub/catalogue` (the catalogue panel, the
 * NeXus viewer for files, the Proposals and Home places of the file browser).
 */
import { cataloguePlugin } from './plugin';
import { placesPlugin } from './places';
import { viewerPlugin } from './viewer';

export * from './tokens';

export default [cataloguePlugin, viewerPlugin, placesPlugin];
