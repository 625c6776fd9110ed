/** The panel's layer without DOM: routes, queries, pages, window arithmetic, formats. */
export * from './client';
export * from './describe';
export * from './files';
export * from './format';
export * from './pages';
export * from './query';
export * from './request';
export * from './types';
export * from './window';
