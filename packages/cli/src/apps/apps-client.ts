import { fetchJson, type HttpClientTls } from '@tandem/protocol';

/** Where the apps REST API is and what proves who calls it. */
export interface AppsApi {
  url: string;
  /** The Authorization header (`--http-credentials`). */
  authorization?: string;
  /** HTTPS to the API (`--tls-ca`): the URL must then be https://. */
  tls?: HttpClientTls;
}

/** A request to the apps REST API (`fetchJson`): JSON in and out; errors carry Marathon's message and field details. */
export function appsRequest<T = unknown>(api: AppsApi, method: string, path: string, body?: unknown): Promise<T> {
  return fetchJson<T>(api.url, path, {
    method,
    body,
    ...(api.authorization ? { authorization: api.authorization } : {}),
    ...(api.tls ? { tls: api.tls } : {}),
  });
}
