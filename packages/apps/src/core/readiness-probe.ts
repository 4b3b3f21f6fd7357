import type { ReadinessCheckDefinition } from '../app/app-schema.js';

/** The last answer of a readiness endpoint, as Marathon shows it (`lastResponse`). */
export interface ReadinessResponse {
  status: number;
  contentType: string;
  body: string;
}

/** One readiness check result, Marathon's `readinessCheckResults[]` shape. */
export interface ReadinessCheckResult {
  name: string;
  taskId: string;
  ready: boolean;
  /** Only with `preserveLastResponse`. */
  lastResponse?: ReadinessResponse;
}

/** What to check for one task: its check and the URL on the task's host and host port. */
export interface ReadinessTarget {
  taskId: string;
  appId: string;
  url: string;
  check: ReadinessCheckDefinition;
}

/** The status Marathon reports when the endpoint could not be queried at all (504, as Marathon). */
export const UNREACHABLE_STATUS = 504;

function reasonOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? err.message;
}

/**
 * Queries a task's readiness endpoint once (GET, redirects not followed, the body read
 * only when it is to be kept), within the check's timeout. An endpoint that does not
 * answer in time or refuses gives a not-ready result with status 504, as Marathon.
 * Rejects only when `signal` aborts (the check was stopped): no result then.
 */
export async function probeReadiness(target: ReadinessTarget, signal: AbortSignal): Promise<ReadinessCheckResult> {
  const { check, url, taskId } = target;
  signal.throwIfAborted();
  const controller = new AbortController();
  const stop = (): void => controller.abort(signal.reason);
  signal.addEventListener('abort', stop, { once: true });
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${check.timeoutSeconds} s`)), check.timeoutSeconds * 1000);
  let response: ReadinessResponse;
  let answered = false;
  try {
    const res = await fetch(url, { signal: controller.signal, redirect: 'manual' });
    const body = check.preserveLastResponse ? await res.text() : '';
    if (!check.preserveLastResponse) await res.body?.cancel();
    response = { status: res.status, contentType: (res.headers.get('content-type') ?? '').split(';')[0]!.trim(), body };
    answered = true;
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    const reason = controller.signal.aborted ? reasonOf(controller.signal.reason) : reasonOf(err);
    response = { status: UNREACHABLE_STATUS, contentType: 'text/plain', body: `Tandem could not query ${url}: ${reason}` };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', stop);
  }
  const ready = answered && check.httpStatusCodesForReady.includes(response.status);
  return { name: check.name, taskId, ready, ...(check.preserveLastResponse ? { lastResponse: response } : {}) };
}
