/**
 * The token other panhub plugins use to reach the catalogue panel's model.
 */
import { Token } from '@lumino/coreutils';

import type { CatalogueClient } from './api';
import type { CatalogueModel } from './model';

export interface ICatalogue {
  /** The routes of the server extension. */
  readonly client: CatalogueClient;
  /** The panel's search, selection and files. */
  readonly model: CatalogueModel;
  /** Show the panel (and the investigation, when given). */
  show(investigationId?: number): void;
}

export const ICatalogue = new Token<ICatalogue>(
  '@panhub/catalogue:ICatalogue',
  'The facility data catalogue: its client and the side panel model.'
);

/** Command ids. */
export namespace CommandIDs {
  export const show = 'panhub-catalogue:show';
  export const refresh = 'panhub-catalogue:refresh';
  export const clearFilters = 'panhub-catalogue:clear-filters';
  export const openDetails = 'panhub-catalogue:open-details';
  export const openLanding = 'panhub-catalogue:open-landing-page';
  export const copyCitation = 'panhub-catalogue:copy-citation';
  export const copyBibtex = 'panhub-catalogue:copy-bibtex';
  export const copyDoi = 'panhub-catalogue:copy-doi';
  export const openInViewer = 'panhub-catalogue:open-in-viewer';
  export const insertCell = 'panhub-catalogue:insert-cell';
  export const insertDatasetCell = 'panhub-catalogue:insert-dataset-cell';
  export const copyDatasetPath = 'panhub-catalogue:copy-dataset-path';
  export const copyPath = 'panhub-catalogue:copy-path';
  export const copyCode = 'panhub-catalogue:copy-code';
  export const download = 'panhub-catalogue:download';
  export const copyToWorkspace = 'panhub-catalogue:copy-to-workspace';
  export const toggleColumn = 'panhub-catalogue:toggle-column';
  export const newCollection = 'panhub-catalogue:new-collection';
}

/** The viewer's command (the "viewer" plugin of this package owns it). */
export const OPEN_NEXUS_COMMAND = 'panhub:open-nexus';
