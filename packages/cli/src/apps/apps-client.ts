import { fetchJson } from '@tandem/protocol';

/** A request to the apps REST API (`fetchJson`): JSON in and out; errors carry Marathon's message and field details. */
export function appsRequest<T = unknown>(url: string, method: string, path: string, body?: unknown): Promise<T> {
  return fetchJson<T>(url, path, { method, body });
}
