/**
 * panhub in JupyterLab: the plugins of `@panhub/catalogue`.
 */
import { cataloguePlugin } from './plugin';

export * from './tokens';

export default [cataloguePlugin];
