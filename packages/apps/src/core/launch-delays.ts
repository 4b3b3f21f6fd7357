import { backoffDelay } from '@tandem/protocol';
import type { AppDefinition } from '../app/app-definition.js';

interface Delay {
  failures: number;
  /** Epoch ms before which the app's instances are not launched. */
  until: number;
  /** The config the failures were counted for; a new config resets them. */
  configVersion: string;
}

/**
 * Marathon's launch backoff per app: after each failure the next launch waits
 * backoffSeconds x backoffFactor^(failures-1), at most maxLaunchDelaySeconds (`backoffDelay`). A new
 * config, or `DELETE /v2/queue/{app}/delay`, resets it.
 */
export class LaunchDelays {
  private readonly delays = new Map<string, Delay>();

  /** Counts a failure; returns the new delay in ms. */
  advance(app: AppDefinition, now: number): number {
    const config = app.versionInfo.lastConfigChangeAt;
    const prev = this.delays.get(app.id);
    const failures = prev && prev.configVersion === config ? prev.failures + 1 : 1;
    const ms = Math.round(
      backoffDelay(failures, { initialMs: app.backoffSeconds * 1000, maxMs: app.maxLaunchDelaySeconds * 1000, multiplier: app.backoffFactor }),
    );
    this.delays.set(app.id, { failures, until: now + ms, configVersion: config });
    return ms;
  }

  reset(appId: string): void {
    this.delays.delete(appId);
  }

  /** Ms left before the app may launch (0: it may), for its current config. */
  remaining(app: AppDefinition, now: number): number {
    const d = this.delays.get(app.id);
    if (!d || d.configVersion !== app.versionInfo.lastConfigChangeAt) return 0;
    return Math.max(0, d.until - now);
  }

  failures(appId: string): number {
    return this.delays.get(appId)?.failures ?? 0;
  }
}
