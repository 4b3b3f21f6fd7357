/** The HTTP status of a dockerode error (404 no such container, 409 conflict, 304 not modified). */
export function dockerStatus(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** The engine's own words from a dockerode error, without the HTTP preamble. */
export function dockerMessage(err: unknown): string {
  const json = (err as { json?: { message?: unknown } } | null)?.json;
  if (json && typeof json.message === 'string') return json.message;
  const reason = (err as { reason?: unknown } | null)?.reason;
  const message = err instanceof Error ? err.message : String(err);
  return typeof reason === 'string' && !message ? reason : message;
}
