/**
 * NeXus files open in panhub's viewer (plugin `@panhub/catalogue:viewer`).
 */
export { viewerPlugin, CommandIDs } from './plugin';
export * from './files';
