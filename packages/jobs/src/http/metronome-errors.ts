import { Code, TandemError } from '@tandem/protocol';

/**
 * An error Metronome answers with a body of its own shape: 404
 * `{"id": "...", "message": "Job not found"}` (a schedule: "Schedule not found"; a run
 * `{"jobSpec", "id", "message": "Job Run not found"}`), 409 `{"message": ...}`. The jobs
 * server's error handler sends `body` as it is, with the code's status.
 */
export class MetronomeError extends TandemError {
  override readonly name = 'MetronomeError';
  constructor(
    code: Code,
    readonly body: { message: string; [key: string]: unknown },
  ) {
    super(code, body.message);
  }

  static unknownJob(id: string): MetronomeError {
    return new MetronomeError(Code.NotFound, { id, message: 'Job not found' });
  }

  static unknownSchedule(id: string): MetronomeError {
    return new MetronomeError(Code.NotFound, { id, message: 'Schedule not found' });
  }

  static unknownRun(jobId: string, runId: string): MetronomeError {
    return new MetronomeError(Code.NotFound, { jobSpec: jobId, id: runId, message: 'Job Run not found' });
  }

  static conflict(message: string): MetronomeError {
    return new MetronomeError(Code.AlreadyExists, { message });
  }
}

/** Runs `fn`; a NOT_FOUND from it becomes `notFound` (the framework names what is missing in words, Metronome in its body). */
export async function orNotFound<T>(fn: () => T | Promise<T>, notFound: () => MetronomeError): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof TandemError && !(err instanceof MetronomeError) && err.code === Code.NotFound) throw notFound();
    throw err;
  }
}
