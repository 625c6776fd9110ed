/**
 * The one place that talks HTTP: `ServerConnection.makeRequest` to the server
 * extension's routes under `<baseUrl>panhub-catalogue/api/`.
 *
 * The server's own login and XSRF apply (the browser never holds a catalogue
 * credential). Errors become {@link CatalogueRequestError} with the status and the
 * message of the route's JSON body (`{"message": ...}`).
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import type { CollectionProblem } from './types';

/** URL namespace of the routes below the server's base URL. */
export const NAMESPACE = 'panhub-catalogue';

/** What a request may carry. */
export interface IRequestInit {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** JSON body (POST). */
  body?: unknown;
  signal?: AbortSignal;
}

/**
 * A function that answers a route's JSON: the real one below, or a fake in tests.
 *
 * `endpoint` is relative to `panhub-catalogue/api/` and may hold a query string.
 */
export type Requester = <T>(endpoint: string, init?: IRequestInit) => Promise<T>;

/** An answer other than 2xx, or no answer at all (status 0). */
export class CatalogueRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** What a data collection still lacks, when the route says (`problems`). */
    readonly problems: CollectionProblem[] = []
  ) {
    super(message);
    this.name = 'CatalogueRequestError';
  }

  /** The server extension is not there (the handshake's 404). */
  get isMissingServer(): boolean {
    return this.status === 404;
  }

  /** The catalogue (or the network to it) is down or slow: worth a Retry. */
  get isUnavailable(): boolean {
    return this.status === 0 || this.status === 502 || this.status === 503 || this.status === 504;
  }
}

/** True for the error an aborted request rejects with (never shown to the user). */
export function isAbort(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { name?: string }).name === 'AbortError'
  );
}

/** The `problems` a route's error body carries (a collection's), else none. */
export function readErrorProblems(body: string): CollectionProblem[] {
  try {
    const parsed = JSON.parse(body) as { problems?: unknown };
    return Array.isArray(parsed.problems) ? (parsed.problems as CollectionProblem[]) : [];
  } catch {
    return [];
  }
}

/** The message a route's error body carries, else a fallback naming the status. */
export function readErrorMessage(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; reason?: unknown };
    const message = parsed.message ?? parsed.reason;
    if (typeof message === 'string' && message) {
      return message;
    }
  } catch {
    // not JSON (a proxy's error page): fall through
  }
  return `HTTP ${status}`;
}

/** The {@link Requester} on the Lab's server connection. */
export function makeRequester(
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Requester {
  return async <T>(endpoint: string, init: IRequestInit = {}): Promise<T> => {
    const url = URLExt.join(settings.baseUrl, NAMESPACE, 'api', endpoint);
    const request: RequestInit = { method: init.method ?? 'GET', signal: init.signal };
    if (init.body !== undefined) {
      request.body = JSON.stringify(init.body);
      request.headers = { 'Content-Type': 'application/json' };
    }
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(url, request, settings);
    } catch (error) {
      if (isAbort(error) || init.signal?.aborted) {
        throw error;
      }
      throw new CatalogueRequestError(0, String((error as Error)?.message ?? error));
    }
    const text = await response.text();
    if (!response.ok) {
      throw new CatalogueRequestError(
        response.status,
        readErrorMessage(response.status, text),
        readErrorProblems(text)
      );
    }
    return (text ? JSON.parse(text) : {}) as T;
  };
}
