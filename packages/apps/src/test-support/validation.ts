import { ValidationError } from '@tandem/protocol';
import { type AppLimits, DEFAULT_MAX_INSTANCES_PER_APP, validateApp } from '../app/validate-app.js';

/** The limits and version stamp the apps unit tests validate with. */
export const TEST_LIMITS: AppLimits = { maxInstances: DEFAULT_MAX_INSTANCES_PER_APP };
export const TEST_STAMP = { version: '2024-01-01T00:00:00.000Z', versionInfo: { lastScalingAt: 'x', lastConfigChangeAt: 'x' } };

export interface ValidateOptions {
  limits?: AppLimits;
  /** The path prefix validateApp gives the fields it names (an app inside a group). */
  prefix?: string;
}

/** What validateApp says is wrong with json, as field path → messages; empty when it is valid. */
export function validationProblems(json: unknown, options: ValidateOptions = {}): Record<string, string[]> {
  try {
    validateApp(json, options.limits ?? TEST_LIMITS, TEST_STAMP, options.prefix ?? '');
    return {};
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return Object.fromEntries(err.details.map((d) => [d.path, d.errors]));
  }
}

/** Like validationProblems, for json that must be refused: throws when validateApp accepts it. */
export function validationDetails(json: unknown, options: ValidateOptions = {}): Record<string, string[]> {
  const problems = validationProblems(json, options);
  if (Object.keys(problems).length === 0) throw new Error('expected a validation error');
  return problems;
}
