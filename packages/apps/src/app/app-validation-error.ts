import { Code, TandemError } from '@tandem/protocol';

/** One field at fault, as Marathon reports it: a JSON pointer and its messages. */
export interface FieldErrors {
  path: string;
  errors: string[];
}

/** An app (or group) definition that failed validation: HTTP 422 `{"message":"Object is not valid","details":[...]}`. */
export class AppValidationError extends TandemError {
  override readonly name = 'AppValidationError';
  readonly details: FieldErrors[];

  constructor(details: FieldErrors[], message = 'Object is not valid') {
    super(Code.InvalidArgument, message, details[0] ? { field: details[0].path } : {});
    this.details = details;
  }

  static of(path: string, error: string): AppValidationError {
    return new AppValidationError([{ path, errors: [error] }]);
  }
}

/** A request body that is not JSON at all: HTTP 400. */
export class MalformedJsonError extends TandemError {
  override readonly name = 'MalformedJsonError';
  constructor(message: string) {
    super(Code.InvalidArgument, `Invalid JSON: ${message}`, { field: '/' });
  }
}

/** A request body that is not JSON by its content type: HTTP 415. */
export class UnsupportedMediaTypeError extends TandemError {
  override readonly name = 'UnsupportedMediaTypeError';
  constructor(contentType: string | undefined) {
    super(Code.InvalidArgument, `Unsupported Media Type: ${contentType ?? 'none given'}; send the body as application/json`, { field: '/' });
  }
}
