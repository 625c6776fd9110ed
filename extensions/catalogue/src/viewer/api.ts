/**
 * The server route the viewer uses: `GET <baseUrl>panhub-catalogue/api/open-code`.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** What `open-code` answers for a contents path. */
export interface IOpenCode {
  /** The file's absolute path as the server sees it. */
  path: string;
  /** Code that opens it: `viewer` (NexusViewer) and `h5py`. */
  code: { viewer: string; h5py: string };
}

/**
 * The absolute path of contents path `path` and the code that opens it.
 */
export async function requestOpenCode(
  path: string,
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<IOpenCode> {
  const url =
    URLExt.join(settings.baseUrl, 'panhub-catalogue', 'api', 'open-code') +
    URLExt.objectToQueryString({ path: path === '' ? '.' : path });
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, {}, settings);
  } catch (err) {
    throw new Error(`The Lab server is not reachable: ${err}`);
  }
  let body: any = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    if (response.status === 404 && !body?.message) {
      throw new Error(
        "This Lab server lacks panhub's server extension (panhub_catalogue.lab): " +
          'install panhub in the server environment.'
      );
    }
    throw new Error(body?.message || `open-code failed (${response.status})`);
  }
  return body as IOpenCode;
}
