/**
 * panhub in JupyterLab: the plugins of `@panhub/catalogue` (the catalogue panel, the
 * NeXus viewer for files, the Proposals and Home places of the file browser, the staff
 * kernels in the Launcher, the template notebooks).
 */
import { cataloguePlugin } from './plugin';
import { kernelsPlugin } from './kernels';
import { placesPlugin } from './places';
import { templatesPlugin } from './templates';
import { viewerPlugin } from './viewer';
import { walltimePlugin } from './walltime';

export * from './tokens';

export default [cataloguePlugin, viewerPlugin, placesPlugin, kernelsPlugin, templatesPlugin, walltimePlugin];
