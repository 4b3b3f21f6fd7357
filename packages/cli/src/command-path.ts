import type { Command } from 'commander';

/** `apps deploy` for `tandem apps deploy`: the names from below the root down to `command`. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
