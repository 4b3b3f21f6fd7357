import { Code, TandemError } from '@tandem/protocol';

/** A tiny client of the apps REST API: JSON in and out; errors carry Marathon's message and field details. */
export async function appsRequest<T = unknown>(url: string, method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${url.replace(/\/$/, '')}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  } catch (err) {
    throw new TandemError(Code.Unavailable, `apps API at ${url} does not answer`, { cause: err });
  }
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const b = (json ?? {}) as { message?: string; details?: { path: string; errors: string[] }[] };
    const details = (b.details ?? []).map((d) => `\n  ${d.path}: ${d.errors.join('; ')}`).join('');
    const code = res.status === 404 ? Code.NotFound : res.status === 409 ? Code.FailedPrecondition : res.status >= 500 ? Code.Internal : Code.InvalidArgument;
    throw new TandemError(code, `${method} ${path}: ${res.status} ${b.message ?? text}${details}`);
  }
  return json as T;
}
