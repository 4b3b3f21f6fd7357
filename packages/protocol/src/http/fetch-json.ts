import { Code, TandemError } from '../errors.js';

/** The error code a REST answer's status stands for (the inverse of `HTTP_STATUS`; 409 is ALREADY_EXISTS). */
const CODE_OF_STATUS: Readonly<Record<number, Code>> = {
  400: Code.InvalidArgument,
  403: Code.PermissionDenied,
  404: Code.NotFound,
  409: Code.AlreadyExists,
  413: Code.InvalidArgument,
  415: Code.InvalidArgument,
  422: Code.InvalidArgument,
  501: Code.Unimplemented,
  503: Code.Unavailable,
  504: Code.DeadlineExceeded,
};

/** The default deadline of one request. */
export const DEFAULT_FETCH_TIMEOUT_MS = 10_000;

export interface FetchJsonOptions {
  method?: string;
  /** Sent as JSON (a string is sent as it is). */
  body?: unknown;
  /** The Authorization header (`basicAuthorization('user:pass')`, `Bearer TOKEN`). */
  authorization?: string;
  /** @default DEFAULT_FETCH_TIMEOUT_MS */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * One JSON request to a Tandem REST API (the CLI's client of the apps and jobs APIs).
 * Resolves with the parsed answer (undefined for an empty one). An API that does not
 * answer is UNAVAILABLE; an error answer is a TandemError with the code its status
 * stands for and the API's message, each field of its `details` on a line of its own.
 */
export async function fetchJson<T = unknown>(baseUrl: string, path: string, options: FetchJsonOptions = {}): Promise<T> {
  const base = baseUrl.replace(/\/+$/, '');
  const method = options.method ?? 'GET';
  const signals = [AbortSignal.timeout(options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS), ...(options.signal ? [options.signal] : [])];
  const { body } = options;
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (options.authorization) headers.authorization = options.authorization;
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      signal: AbortSignal.any(signals),
      headers,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  } catch (err) {
    throw new TandemError(Code.Unavailable, `${base} does not answer: ${(err as Error).message}`, { cause: err });
  }
  const text = await res.text();
  const json = text === '' ? undefined : parseOrText(text);
  if (!res.ok) {
    const b = (typeof json === 'object' && json !== null ? json : {}) as { message?: string; details?: { path: string; errors: string[] }[] };
    const details = (b.details ?? []).map((d) => `\n  ${d.path}: ${d.errors.join('; ')}`).join('');
    throw new TandemError(
      CODE_OF_STATUS[res.status] ?? (res.status >= 500 ? Code.Internal : Code.Unknown),
      `${method} ${path}: ${res.status} ${b.message ?? text}${details}`,
    );
  }
  return json as T;
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
