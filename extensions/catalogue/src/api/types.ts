/**
 * The JSON shapes of the server extension's routes (`<baseUrl>panhub-catalogue/api/`).
 *
 * They follow the catalogue service's records (`panhub_catalogue/records.py`, ICAT
 * field names) plus what the server extension adds (`mounted`, `path`, `code`,
 * `cell`, `downloadUrl`, `landingUrl`, `citation`). Fields the panel does not need to
 * work are optional, so an older or newer server still renders.
 */

/** A member of an investigation. */
export interface IMember {
  name: string;
  fullName?: string | null;
  role?: string | null;
}

/** One row of a search page (`GET investigations`). */
export interface IInvestigationRow {
  id: number;
  name: string;
  visitId?: string | null;
  title?: string | null;
  summary?: string | null;
  startDate?: string | null;
  endDate?: string | null;
  releaseDate?: string | null;
  isPublic: boolean;
  doi?: string | null;
  beamlines?: string[];
  users?: IMember[];
  sampleCount?: number;
  datasetCount?: number;
  fileCount?: number | null;
  fileSize?: number | null;
  /** The proposal's folder exists in this server (the data view holds it). */
  mounted?: boolean;
}

/** A page of any paged route. */
export interface IPage<T> {
  total: number;
  limit?: number;
  offset?: number;
  items: T[];
}

/** One facet value and the number of investigations holding it. */
export interface IFacetValue {
  value: string;
  count: number;
}

/** The facet names the catalogue counts. */
export type FacetName = 'beamline' | 'technique' | 'access' | 'year' | 'user';

/** `GET facets`. */
export interface IFacets {
  facets: Partial<Record<FacetName, IFacetValue[]>>;
}

/** Code that opens a file, as the server quoted it (Python `repr`). */
export interface IOpenCode {
  viewer?: string;
  h5py?: string;
}

/** One file (`GET datafiles/<id>`, or an item of a datafile page). */
export interface IDatafile {
  id: number;
  name: string;
  datasetId?: number | null;
  datasetName?: string | null;
  investigationId?: number | null;
  investigationName?: string | null;
  location?: string | null;
  relativePath?: string | null;
  fileSize?: number | null;
  datafileFormat?: string | null;
  datafileModTime?: string | null;
  /** Absolute path in this server, or null when not mounted here. */
  path?: string | null;
  mounted?: boolean;
  code?: IOpenCode;
  /** The marked cell the panel inserts (the server wrote it). */
  cell?: string;
  /** Browser navigation that downloads the file through the hub's login. */
  downloadUrl?: string | null;
}

/** A technique of a dataset. */
export interface ITechnique {
  name: string;
  pid?: string | null;
}

/** One dataset (`describe_datasets`). */
export interface IDataset {
  id: number;
  name: string;
  type?: string | null;
  description?: string | null;
  location?: string | null;
  startDate?: string | null;
  endDate?: string | null;
  complete?: boolean | null;
  doi?: string | null;
  sample?: string | null;
  techniques?: ITechnique[];
  fileCount?: number | null;
  fileSize?: number | null;
  /** Added by the server: the folder as mounted here, or null. */
  path?: string | null;
  mounted?: boolean;
  /** Added by the server: the marked cell that lists the dataset's files. */
  cell?: string;
}

/** A citation in the forms the catalogue writes. */
export interface ICitation {
  text?: string | null;
  bibtex?: string | null;
  ris?: string | null;
}

/** One parameter of an investigation. */
export interface IParameter {
  name: string;
  units?: string | null;
  value: string | number | null;
}

/** One sample. */
export interface ISample {
  id: number;
  name: string;
  type?: string | null;
}

/** `GET investigations/<id>`. */
export interface IInvestigation extends IInvestigationRow {
  parameters?: IParameter[];
  samples?: ISample[];
  datasets?: IDataset[];
  datafiles?: IPage<IDatafile>;
  citation?: ICitation | null;
  landingUrl?: string | null;
}

/** One logbook entry. */
export interface ILogbookEntry {
  id: number;
  createTime?: string | null;
  author?: string | null;
  authorFullName?: string | null;
  type?: string | null;
  category?: string | null;
  tags?: string[];
  content?: string | null;
  datasetName?: string | null;
  attachments?: { id: number; mimeType: string; size: number }[];
}

/** A copy into the workspace (`POST copies`, `GET copies/<id>`). */
export interface ICopyJob {
  id: string | number;
  state: string;
  bytes?: number;
  total?: number | null;
  path?: string | null;
  message?: string | null;
}

/** A problem the catalogue reports with a collection: a sentence, or the field it is about. */
export type CollectionProblem =
  | string
  | { message: string; label?: string | null; field?: string | null; path?: string; text?: string };

/** An author of a data collection (`name`, or family and given names; ORCID optional). */
export interface ICreator {
  name?: string;
  givenName?: string;
  familyName?: string;
  orcid?: string;
  affiliation?: string;
}

/** A publication or dataset a collection relates to (`10.1234/x`, `IsSupplementTo`). */
export interface IRelatedIdentifier {
  identifier: string;
  relationType: string;
  identifierType?: string;
}

/** A data collection as the catalogue describes it to its managers. */
export interface ICollection {
  id: number;
  status: 'draft' | 'review' | 'minted';
  title?: string | null;
  description?: string | null;
  doi?: string | null;
  licence?: string | null;
  keywords?: string[];
  creators?: ICreator[];
  relatedIdentifiers?: IRelatedIdentifier[];
  datasets?: { id: number; name: string }[];
  problems?: CollectionProblem[];
  landingUrl?: string | null;
  /** Added by the server: the collection's page in the catalogue's portal. */
  portalUrl: string;
}

/** What the collection form offers (`GET collections/form`). */
export interface ICollectionFormOptions {
  licences: { id: string; name: string }[];
  relationTypes: string[];
  resourceTypes: string[];
  portalUrl: string;
}

/** `GET version`. */
export interface IVersion {
  version: string;
}

/** A template's kernel (`GET templates`): the notebook's kernelspec, and whether it is here. */
export interface ITemplateKernel {
  name: string;
  displayName: string;
  /** Whether this server has a kernelspec of that name. */
  exists: boolean;
}

/** A template notebook (`GET templates`); `id` is its path in the templates folder. */
export interface ITemplate {
  id: string;
  name: string;
  title: string;
  technique: string;
  description: string;
  kernel: ITemplateKernel;
}

/** A template's copy (`POST templates/copy`): its contents path and name. */
export interface ITemplateCopy {
  path: string;
  name: string;
  template: string;
}

/** `GET places`: contents paths of the user's folders, null where the server has none. */
export interface IPlacesPaths {
  home: string | null;
  proposals: string | null;
}
