import { Command, Option } from 'commander';
import { writeTo } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { addClientAuthFlags } from '../common-flags.js';
import { masterFlag } from '../flag-option.js';
import { lazy } from '../lazy-action.js';

const actions = () => import('./maintenance-action.js');

/** `tandem maintenance schedule [FILE | --clear]` and `tandem maintenance status`. */
export function maintenanceCommand(ctx: CommandContext): Command {
  const maintenance = new Command('maintenance').description(
    'Maintenance windows (Mesos-style): agents going down for a while. Frameworks with tasks on them get inverse offers ahead of ' +
      'the window; at its start the agents are drained, at its end reactivated.',
  );
  const schedule: Command = new Command('schedule')
    .description(
      'Print the maintenance schedule, or replace it with FILE\'s (JSON: {"windows": [{"agentIds": [...], "start": "2030-01-01T02:00:00Z", ' +
        '"duration": "2h"}]}; start may be seconds since the epoch, duration durationSeconds), or clear it with --clear. ' +
        'The whole schedule at once, all or nothing (ACL drain_agents on its agents).',
    )
    .argument('[file]', 'a schedule file to set')
    .addOption(masterFlag())
    .addOption(new Option('--clear', 'remove every window').env('TANDEM_CLEAR'))
    .action(lazy(actions, (m, file: string | undefined) => m.maintenanceSchedule(ctx, schedule, file)));

  const status: Command = new Command('status')
    .description("Print every agent of the schedule: DRAINING (window ahead), DOWN (in it) or UP (passed), and the frameworks' answers to its inverse offers.")
    .addOption(masterFlag())
    .action(lazy(actions, (m) => m.maintenanceStatus(ctx, status)));

  for (const sub of [schedule, status]) {
    writeTo(addClientAuthFlags(sub, 'the operator'), ctx.io);
    maintenance.addCommand(sub, { isDefault: sub === schedule });
  }
  return maintenance;
}
