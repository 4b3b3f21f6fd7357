import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { Code, TandemError } from '../errors.js';

/** The error code a REST answer's status stands for (the inverse of `HTTP_STATUS`; 409 is ALREADY_EXISTS). */
const CODE_OF_STATUS: Readonly<Record<number, Code>> = {
  400: Code.InvalidArgument,
  401: Code.Unauthenticated,
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
  /**
   * TLS to the API: the CA that signed its certificate, and this client's certificate and
   * key when it has them. With it only `https://` URLs are dialled (an `http://` one is
   * refused, never tried); the server's certificate and host name are checked.
   */
  tls?: HttpClientTls;
}

/** What an HTTPS client of a Tandem API needs: the cluster CA; its own certificate and key optionally (TlsFiles fits). */
export interface HttpClientTls {
  ca: Buffer | string;
  cert?: Buffer | string;
  key?: Buffer | string;
}

/** A response as `httpRequestText` gives it: status, headers, body as text. */
export interface TextResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * One HTTP(S) request on its own connection (closed after the answer; nothing pooled, so
 * nothing is left open). With `tls`, an `http://` URL is refused with INVALID_ARGUMENT
 * (no downgrade); a failure to connect is UNAVAILABLE, saying when TLS is the likely cause.
 */
export function httpRequestText(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal: AbortSignal; tls?: HttpClientTls | undefined },
): Promise<TextResponse> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  if (init.tls && !secure) {
    return Promise.reject(
      new TandemError(Code.InvalidArgument, `${target.origin} is plaintext HTTP but TLS is configured (--tls-ca): use an https:// URL`, { field: 'url' }),
    );
  }
  return new Promise<TextResponse>((resolve, reject) => {
    const options = {
      method: init.method,
      headers: init.headers,
      signal: init.signal,
      agent: false as const,
      ...(init.tls ? { ca: init.tls.ca, ...(init.tls.cert && init.tls.key ? { cert: init.tls.cert, key: init.tls.key } : {}) } : {}),
      // No SNI for an address (RFC 6066); the certificate is still checked against it.
      ...(secure && isIP(target.hostname.replace(/^\[|\]$/g, '')) ? { servername: '' } : {}),
    };
    const onResponse = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => reject(unreachable(target, secure, err)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    };
    const req = secure ? httpsRequest(target, options, onResponse) : httpRequest(target, options, onResponse);
    req.on('error', (err) => reject(unreachable(target, secure, err)));
    req.end(init.body);
  });
}

const TLS_SIGNS = /SSL|TLS|certificate|wrong version|packet length|self.signed|altnames|ERR_TLS|EPROTO/i;
const DROPPED = /ECONNRESET|socket hang up/i;

function unreachable(target: URL, secure: boolean, err: Error): TandemError {
  const text = `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`;
  let message = `${target.origin} does not answer: ${err.message}`;
  if (secure && TLS_SIGNS.test(text)) {
    message = `could not connect to ${target.origin} over TLS: ${err.message} (is it serving HTTPS with a certificate from the CA given with --tls-ca, for this host name?)`;
  } else if (!secure && DROPPED.test(text)) {
    message = `${target.origin} closed the connection: ${err.message} (a Tandem API serving HTTPS drops plaintext clients: use an https:// URL and --tls-ca)`;
  }
  return new TandemError(Code.Unavailable, message, { cause: err });
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
  let res: TextResponse;
  try {
    res = await httpRequestText(`${base}${path}`, {
      method,
      signal: AbortSignal.any(signals),
      headers,
      tls: options.tls,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  } catch (err) {
    if (err instanceof TandemError) throw err;
    throw new TandemError(Code.Unavailable, `${base} does not answer: ${(err as Error).message}`, { cause: err });
  }
  const { text } = res;
  const json = text === '' ? undefined : parseOrText(text);
  if (res.status < 200 || res.status >= 300) {
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
