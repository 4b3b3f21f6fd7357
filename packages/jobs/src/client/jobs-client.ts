import { Code, DEFAULT_FETCH_TIMEOUT_MS, fetchJson, type HttpClientTls, TandemError } from '@tandem/protocol';

export interface JobsClientOptions {
  /** The jobs API, e.g. http://localhost:8090 */
  url: string;
  /** Per-request deadline. @default DEFAULT_FETCH_TIMEOUT_MS (10000) */
  timeoutMs?: number;
  /** The Authorization header sent with every request (the API's `--http-credentials`). */
  authorization?: string;
  /** HTTPS to the API: the cluster CA (and a client certificate). The URL must then be https://. */
  tls?: HttpClientTls;
  signal?: AbortSignal;
}

/** A small HTTP client of the jobs REST API (the CLI uses it), on the shared `fetchJson`. Errors are TandemErrors with the API's message. */
export class JobsClient {
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: JobsClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  }

  /** One request (`fetchJson` of @tandem/protocol): a 409 is ALREADY_EXISTS, 400/422 INVALID_ARGUMENT, 404 NOT_FOUND. */
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    return fetchJson<T>(this.base, path, {
      method,
      body,
      timeoutMs: this.timeoutMs,
      ...(this.options.authorization ? { authorization: this.options.authorization } : {}),
      ...(this.options.tls ? { tls: this.options.tls } : {}),
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    });
  }

  /** Creates the job, or replaces it when it exists. */
  async upsertJob(job: { id: string } & Record<string, unknown>): Promise<unknown> {
    try {
      return await this.request('POST', '/v1/jobs', job);
    } catch (err) {
      if (err instanceof TandemError && err.code === Code.AlreadyExists) return this.request('PUT', `/v1/jobs/${encodeURIComponent(job.id)}`, job);
      throw err;
    }
  }
}
