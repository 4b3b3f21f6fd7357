import { ValidationError } from './errors.js';
import type { HealthCheck } from './generated/friendly.js';

/** The check types the agent runs (HealthCheck.Type without TYPE_UNSPECIFIED). */
export const HEALTH_CHECK_TYPES = ['COMMAND', 'HTTP', 'TCP'] as const;

function nonNegative(field: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) throw new ValidationError(field, `must be a finite number >= 0, got ${String(value)}`);
}

/**
 * Checks a task's health checks as the master and the agent both do before a launch;
 * throws a ValidationError naming the field (`<field>[i].<name>`, proto names). `ports`
 * is how many ports the task has (HTTP and TCP checks probe the one at port_index).
 */
export function validateHealthChecks(checks: readonly HealthCheck[], ports: number, field = 'health_checks'): void {
  checks.forEach((c, i) => {
    const f = `${field}[${i}]`;
    if (!(HEALTH_CHECK_TYPES as readonly string[]).includes(c.type)) {
      throw new ValidationError(`${f}.type`, `must be one of ${HEALTH_CHECK_TYPES.join(', ')}, got ${String(c.type)}`);
    }
    nonNegative(`${f}.delay_seconds`, c.delaySeconds);
    nonNegative(`${f}.interval_seconds`, c.intervalSeconds);
    nonNegative(`${f}.timeout_seconds`, c.timeoutSeconds);
    nonNegative(`${f}.grace_period_seconds`, c.gracePeriodSeconds);
    if (c.type === 'COMMAND') {
      const cmd = c.command;
      if (!cmd || (cmd.value.trim() === '' && cmd.arguments.length === 0)) {
        throw new ValidationError(`${f}.command`, 'a COMMAND check needs a command (shell value or arguments)');
      }
      return;
    }
    if (c.portIndex >= ports) {
      throw new ValidationError(`${f}.port_index`, `is ${c.portIndex} but the task has ${ports} port(s)`);
    }
    if (c.type === 'HTTP' && c.path !== '' && !c.path.startsWith('/')) {
      throw new ValidationError(`${f}.path`, `must start with "/", got "${c.path}"`);
    }
  });
}
