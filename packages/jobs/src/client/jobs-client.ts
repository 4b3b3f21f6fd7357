import { Code, TandemError } from '@tandem/protocol';

export interface JobsClientOptions {
  /** The jobs API, e.g. http://localhost:8090 */
  url: string;
  /** Per-request deadline. @default 10000 */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const STATUS_CODE: Record<number, Code> = { 400: Code.InvalidArgument, 404: Code.NotFound, 409: Code.AlreadyExists, 422: Code.InvalidArgument };

/** A small HTTP client of the jobs REST API (the CLI uses it). Errors are TandemErrors with the API's message. */
export class JobsClient {
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: JobsClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const signals = [AbortSignal.timeout(this.timeoutMs), ...(this.options.signal ? [this.options.signal] : [])];
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        signal: AbortSignal.any(signals),
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new TandemError(Code.Unavailable, `cannot reach the jobs API at ${this.base}: ${(err as Error).message}`, { cause: err });
    }
    const text = await res.text();
    const json = text === '' ? undefined : safeJson(text);
    if (!res.ok) {
      const b = json as { message?: string; details?: { path: string; errors: string[] }[] } | undefined;
      const details = b?.details?.map((d) => `${d.path}: ${d.errors.join('; ')}`).join(', ');
      throw new TandemError(STATUS_CODE[res.status] ?? Code.Unknown, `${res.status} ${b?.message ?? text}${details ? ` (${details})` : ''}`);
    }
    return json as T;
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

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
