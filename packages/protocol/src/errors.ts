import { status as GrpcStatus, Metadata, type ServiceError, type StatusObject } from '@grpc/grpc-js';

/** Error codes, aligned with gRPC status codes so they cross the wire unchanged. */
export const Code = {
  Cancelled: 'CANCELLED',
  Unknown: 'UNKNOWN',
  InvalidArgument: 'INVALID_ARGUMENT',
  DeadlineExceeded: 'DEADLINE_EXCEEDED',
  NotFound: 'NOT_FOUND',
  AlreadyExists: 'ALREADY_EXISTS',
  PermissionDenied: 'PERMISSION_DENIED',
  ResourceExhausted: 'RESOURCE_EXHAUSTED',
  FailedPrecondition: 'FAILED_PRECONDITION',
  Aborted: 'ABORTED',
  Unimplemented: 'UNIMPLEMENTED',
  Internal: 'INTERNAL',
  Unavailable: 'UNAVAILABLE',
  Unauthenticated: 'UNAUTHENTICATED',
  DataLoss: 'DATA_LOSS',
} as const;
export type Code = (typeof Code)[keyof typeof Code];

const TO_GRPC: Record<Code, GrpcStatus> = {
  CANCELLED: GrpcStatus.CANCELLED,
  UNKNOWN: GrpcStatus.UNKNOWN,
  INVALID_ARGUMENT: GrpcStatus.INVALID_ARGUMENT,
  DEADLINE_EXCEEDED: GrpcStatus.DEADLINE_EXCEEDED,
  NOT_FOUND: GrpcStatus.NOT_FOUND,
  ALREADY_EXISTS: GrpcStatus.ALREADY_EXISTS,
  PERMISSION_DENIED: GrpcStatus.PERMISSION_DENIED,
  RESOURCE_EXHAUSTED: GrpcStatus.RESOURCE_EXHAUSTED,
  FAILED_PRECONDITION: GrpcStatus.FAILED_PRECONDITION,
  ABORTED: GrpcStatus.ABORTED,
  UNIMPLEMENTED: GrpcStatus.UNIMPLEMENTED,
  INTERNAL: GrpcStatus.INTERNAL,
  UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  UNAUTHENTICATED: GrpcStatus.UNAUTHENTICATED,
  DATA_LOSS: GrpcStatus.DATA_LOSS,
};

const FROM_GRPC = new Map<number, Code>(Object.entries(TO_GRPC).map(([code, grpc]) => [grpc, code as Code]));

/** The longest gRPC status message sent, in characters (the rest is cut, its length named). */
export const MAX_STATUS_DETAILS = 1024;

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`;
}

/** A metadata value grpc-js accepts (printable ASCII), at most `max` characters. */
function trailerSafe(text: string, max: number): string {
  return cut(text, max).replace(/[^\x20-\x7e]/g, '?');
}

/** The gRPC trailer in which a standby master names the leader's gRPC address (`host:port`). */
export const LEADER_TRAILER = 'tandem-leader';

/**
 * The one error type of Tandem. `field` names the offending input field, when there is one;
 * `leader` the leading master's gRPC address (`host:port`) when a standby refused the call
 * (UNAVAILABLE): a client follows it.
 */
export class TandemError extends Error {
  override readonly name: string = 'TandemError';
  readonly code: Code;
  readonly field: string | undefined;
  readonly leader: string | undefined;

  constructor(code: Code, message: string, options: { cause?: unknown; field?: string; leader?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options.field;
    this.leader = options.leader;
  }

  /** Wraps anything thrown into a TandemError, keeping gRPC status codes. */
  static from(err: unknown): TandemError {
    if (err instanceof TandemError) return err;
    if (isServiceError(err)) {
      const field = err.metadata?.get('tandem-field')[0];
      const leader = err.metadata?.get(LEADER_TRAILER)[0];
      return new TandemError(FROM_GRPC.get(err.code) ?? Code.Unknown, err.details || err.message, {
        cause: err,
        ...(typeof field === 'string' ? { field } : {}),
        ...(typeof leader === 'string' && leader !== '' ? { leader } : {}),
      });
    }
    if (err instanceof Error) return new TandemError(Code.Unknown, err.message, { cause: err });
    return new TandemError(Code.Unknown, String(err), { cause: err });
  }

  /**
   * The status object a grpc-js handler passes to its callback or `emit('error')`. The
   * message is cut to MAX_STATUS_DETAILS characters and the field to printable ASCII: both
   * travel in HTTP/2 trailers, and a message quoting a 100 KB id (the gRPC fuzzer's) made
   * trailers no client accepts, so the call was never answered and hung to its deadline.
   */
  toGrpcStatus(): Partial<StatusObject> {
    const metadata = new Metadata();
    if (this.field) metadata.set('tandem-field', trailerSafe(this.field, 256));
    if (this.leader) metadata.set(LEADER_TRAILER, this.leader);
    return { code: TO_GRPC[this.code], details: cut(this.message, MAX_STATUS_DETAILS), metadata };
  }
}

/** One field at fault: where (a JSON pointer such as `/run/cpus`, or a field path such as `weights[0].role`) and its messages. */
export interface FieldErrors {
  path: string;
  errors: string[];
}

/**
 * Bad input, naming every field at fault; the one validation error of Tandem.
 * `new ValidationError(field, message)` names one field (its message reads `field: message`);
 * `new ValidationError(details, message?)` names many (`Object is not valid` by default,
 * as Marathon and Metronome say it). Over gRPC it is INVALID_ARGUMENT with the first
 * field in `tandem-field`; the apps and jobs REST APIs answer it with 422
 * `{message, details}`, the master's with 400 `{message, field}`.
 */
export class ValidationError extends TandemError {
  override readonly name: string = 'ValidationError';
  readonly details: FieldErrors[];

  constructor(field: string, message: string);
  constructor(details: FieldErrors[], message?: string);
  constructor(fieldOrDetails: string | FieldErrors[], message?: string) {
    const one = typeof fieldOrDetails === 'string';
    const details = one ? [{ path: fieldOrDetails, errors: [message ?? ''] }] : fieldOrDetails;
    super(Code.InvalidArgument, one ? `${fieldOrDetails}: ${message}` : (message ?? 'Object is not valid'), details[0] ? { field: details[0].path } : {});
    this.details = details;
  }

  /** One field at fault, as a document's validation reports it (`Object is not valid`, the field in `details`). */
  static of(path: string, error: string): ValidationError {
    return new ValidationError([{ path, errors: [error] }]);
  }
}

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number' && 'details' in err;
}

export function grpcCodeOf(code: Code): GrpcStatus {
  return TO_GRPC[code];
}
