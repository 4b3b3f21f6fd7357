import { type AppDefinition, isConfigChange } from '../app/app-definition.js';

/** Version stamps: ISO times, each newer than every earlier one. */
export class VersionClock {
  private last = 0;

  /** A version stamp newer than every earlier one (ISO time, 1 ms apart at least). */
  next(): string {
    const now = Math.max(Date.now(), this.last + 1);
    this.last = now;
    return new Date(now).toISOString();
  }
}

/** Stamps `next` against `prev`: a config change moves lastConfigChangeAt, a scale only lastScalingAt. */
export function stampApp(prev: AppDefinition | undefined, next: AppDefinition, version: string): AppDefinition {
  const config = !prev || isConfigChange(prev, next);
  return {
    ...next,
    version,
    versionInfo: {
      lastConfigChangeAt: config ? version : prev.versionInfo.lastConfigChangeAt,
      lastScalingAt: version,
    },
  };
}
