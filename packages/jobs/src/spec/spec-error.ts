import { Code, TandemError } from '@tandem/protocol';

/** One field at fault, as Metronome reports it: a JSON pointer and its messages. */
export interface FieldErrors {
  path: string;
  errors: string[];
}

/** A spec that failed validation: HTTP 422 `{"message":"Object is not valid","details":[...]}`. */
export class SpecError extends TandemError {
  override readonly name = 'SpecError';
  readonly details: FieldErrors[];

  constructor(details: FieldErrors[], message = 'Object is not valid') {
    super(Code.InvalidArgument, message, details[0] ? { field: details[0].path } : {});
    this.details = details;
  }

  static of(path: string, error: string): SpecError {
    return new SpecError([{ path, errors: [error] }]);
  }
}
