import { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { DEFAULT_HOLLOW_RESOURCES, DEFAULT_HOLLOW_WORK_DIR } from '../defaults.js';
import { flag, masterFlag } from '../flag-option.js';
import { lazy } from '../lazy-action.js';

const actions = () => import('./hollow-action.js');

export function hollowCommand(ctx: CommandContext): Command {
  const cmd = new Command('hollow')
    .description(
      'HOLLOW AGENTS, for benchmarks and scale tests only: run N real agents in this process whose tasks start no process (they "run" for HOLLOW_DURATION_MS or until killed).',
    )
    .addOption(masterFlag())
    .addOption(flag('--count <n>', 'how many hollow agents', 1))
    .addOption(flag('--resources <spec>', "each agent's resources, Mesos syntax", DEFAULT_HOLLOW_RESOURCES))
    .addOption(flag('--work-dir <dir>', "parent of the agents' work dirs (agent-<i>)", DEFAULT_HOLLOW_WORK_DIR))
    .addOption(flag('--hostname-prefix <prefix>', 'agents register as <prefix>-<i>', 'hollow'))
    .addOption(flag('--task-duration-ms <ms>', 'how long a task runs when it sets no HOLLOW_DURATION_MS (default: until killed)'))
    .addOption(flag('--checkpoints <where>', 'memory (no disk I/O per task) or disk (as a real agent)', 'memory'))
    .addOption(flag('--reconnect-ms <ms>', 'first redial delay after losing the master (doubles up to 10x)', 200))
    .addOption(flag('--start-concurrency <n>', 'agents started at once', 200))
    .addOption(flag('--agent-log-level <level>', 'log level of the agents themselves (thousands of them)', 'warn'))
    .action(lazy(actions, (m) => m.runHollow(ctx, cmd)));
  return cmd;
}
