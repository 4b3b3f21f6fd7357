import { Code } from '../errors.js';

/**
 * The HTTP status of each error code, for every REST API of Tandem (the master's, apps'
 * and jobs'); a code not listed is a 500. An API whose clients expect another status for
 * a code says so in its overrides (`METRONOME_STATUS`).
 */
export const HTTP_STATUS: Readonly<Partial<Record<Code, number>>> = {
  [Code.InvalidArgument]: 400,
  [Code.PermissionDenied]: 403,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.FailedPrecondition]: 409,
  [Code.Aborted]: 409,
  [Code.Unimplemented]: 501,
  [Code.Unavailable]: 503,
  [Code.DeadlineExceeded]: 504,
};

export type HttpStatusOverrides = Readonly<Partial<Record<Code, number>>>;

/** Metronome answers bad input with 422 (with `details`), where Marathon and the master say 400. */
export const METRONOME_STATUS: HttpStatusOverrides = { [Code.InvalidArgument]: 422 };

/** The HTTP status for an error code: the API's override, else the shared table, else 500. */
export function httpStatusOf(code: Code, overrides?: HttpStatusOverrides): number {
  return overrides?.[code] ?? HTTP_STATUS[code] ?? 500;
}
