/**
 * The routes of the server extension as methods (no DOM). One method per route, each
 * a line or two, so a changed route is changed here only.
 */
import { IFilters, ISort, makeSearchParams, withQuery } from './query';
import type { Requester } from './request';
import type {
  ICitation,
  ICollection,
  ICollectionFormOptions,
  ICopyJob,
  IDatafile,
  IDataset,
  IFacets,
  IInvestigation,
  IInvestigationRow,
  ILogbookEntry,
  IPage,
  IPlacesPaths,
  ITemplate,
  ITemplateCopy,
  IVersion
} from './types';

/** Where a copy into the workspace goes. */
export type CopyDestination = 'home' | 'processed';

function paged(path: string, limit: number, offset: number): string {
  return withQuery(path, new URLSearchParams({ limit: String(limit), offset: String(offset) }));
}

function id(value: number | string): string {
  return encodeURIComponent(String(value));
}

export class CatalogueClient {
  constructor(readonly request: Requester) {}

  /** `GET version`: the handshake (404 when the server half is missing). */
  version(signal?: AbortSignal): Promise<IVersion> {
    return this.request<IVersion>('version', { signal });
  }

  /** `GET whoami`. */
  whoami(signal?: AbortSignal): Promise<Record<string, unknown>> {
    return this.request('whoami', { signal });
  }

  /** `GET investigations?...`: one page of the search. */
  investigations(
    filters: IFilters,
    page: { sort: ISort; limit: number; offset: number },
    signal?: AbortSignal
  ): Promise<IPage<IInvestigationRow>> {
    return this.request(withQuery('investigations', makeSearchParams(filters, page)), { signal });
  }

  /** `GET facets?...`: counts under the filters. */
  facets(filters: IFilters, signal?: AbortSignal): Promise<IFacets> {
    return this.request(withQuery('facets', makeSearchParams(filters)), { signal });
  }

  /** `GET investigations/<id>`. */
  investigation(investigationId: number, signal?: AbortSignal): Promise<IInvestigation> {
    return this.request(`investigations/${id(investigationId)}`, { signal });
  }

  /** `GET investigations/<id>/datasets?limit&offset`. */
  datasets(
    investigationId: number,
    limit: number,
    offset: number,
    signal?: AbortSignal
  ): Promise<IPage<IDataset>> {
    return this.request(paged(`investigations/${id(investigationId)}/datasets`, limit, offset), {
      signal
    });
  }

  /** `GET datasets/<id>/datafiles?limit&offset`. */
  datafiles(
    datasetId: number,
    limit: number,
    offset: number,
    signal?: AbortSignal
  ): Promise<IPage<IDatafile>> {
    return this.request(paged(`datasets/${id(datasetId)}/datafiles`, limit, offset), { signal });
  }

  /** `GET datafiles/<id>`. */
  datafile(datafileId: number, signal?: AbortSignal): Promise<IDatafile> {
    return this.request(`datafiles/${id(datafileId)}`, { signal });
  }

  /** `GET investigations/<id>/citation`. */
  citation(investigationId: number, signal?: AbortSignal): Promise<ICitation> {
    return this.request(`investigations/${id(investigationId)}/citation`, { signal });
  }

  /** `GET investigations/<id>/logbook?limit&offset` (newest first). */
  logbook(
    investigationId: number,
    limit: number,
    offset = 0,
    signal?: AbortSignal
  ): Promise<IPage<ILogbookEntry>> {
    return this.request(paged(`investigations/${id(investigationId)}/logbook`, limit, offset), {
      signal
    });
  }

  /** `POST copies`: start a copy of a file into the workspace. */
  startCopy(datafileId: number, destination: CopyDestination): Promise<ICopyJob> {
    return this.request('copies', {
      method: 'POST',
      body: { datafile: datafileId, destination }
    });
  }

  /** `GET copies/<id>`. */
  copy(copyId: string | number, signal?: AbortSignal): Promise<ICopyJob> {
    return this.request(`copies/${id(copyId)}`, { signal });
  }

  /** `DELETE copies/<id>`. */
  cancelCopy(copyId: string | number): Promise<unknown> {
    return this.request(`copies/${id(copyId)}`, { method: 'DELETE' });
  }

  /** `GET places`: the home and proposals folders as contents paths. */
  places(signal?: AbortSignal): Promise<IPlacesPaths> {
    return this.request('places', { signal });
  }

  /** `GET templates`: the template notebooks, by technique. */
  templates(signal?: AbortSignal): Promise<{ items: ITemplate[] }> {
    return this.request('templates', { signal });
  }

  /** `GET collections/form`: licences, relation types, the portal's collections page. */
  collectionForm(signal?: AbortSignal): Promise<ICollectionFormOptions> {
    return this.request('collections/form', { signal });
  }

  /** `GET collections?mine=true`: the collections the user made, newest change first. */
  myCollections(signal?: AbortSignal): Promise<IPage<ICollection>> {
    return this.request('collections?mine=true', { signal });
  }

  /** `POST collections`: a new draft (the body is the catalogue's collection form). */
  createCollection(body: Record<string, unknown>): Promise<ICollection> {
    return this.request('collections', { method: 'POST', body });
  }

  /** `PATCH collections/<id>`: change a draft. */
  updateCollection(collectionId: number, body: Record<string, unknown>): Promise<ICollection> {
    return this.request(`collections/${id(collectionId)}`, { method: 'PATCH', body });
  }

  /** `POST collections/<id>/submit`: send a complete draft to review. */
  submitCollection(collectionId: number): Promise<ICollection> {
    return this.request(`collections/${id(collectionId)}/submit`, { method: 'POST', body: {} });
  }

  /** `POST templates/copy`: copy a template into `destination` (a folder's contents path). */
  copyTemplate(template: string, destination: string): Promise<ITemplateCopy> {
    return this.request('templates/copy', { method: 'POST', body: { template, destination } });
  }
}
