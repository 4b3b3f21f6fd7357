import { Command } from 'commander';
import { writeTo } from './cli-io.js';
import type { CommandContext } from './command-context.js';
import { commandPath } from './command-path.js';
import { aclCommand } from './commands/acl.js';
import { agentCommand } from './commands/agent.js';
import { agentsCommand } from './commands/agents.js';
import { appsCommand } from './commands/apps.js';
import { certsCommand } from './commands/certs.js';
import { completionCommand } from './commands/completion.js';
import { executeCommand } from './commands/execute.js';
import { frameworksCommand } from './commands/frameworks.js';
import { hollowCommand } from './commands/hollow.js';
import { jobsCommand } from './commands/jobs.js';
import { killCommand } from './commands/kill.js';
import { logsCommand } from './commands/logs.js';
import { maintenanceCommand } from './commands/maintenance.js';
import { masterCommand } from './commands/master.js';
import { quotaCommand } from './commands/quota.js';
import { rolesCommand } from './commands/roles.js';
import { stateCommand } from './commands/state.js';
import { storeCommand } from './commands/store.js';
import { tasksCommand } from './commands/tasks.js';
import { topCommand } from './commands/top.js';
import { upCommand } from './commands/up.js';
import { weightsCommand } from './commands/weights.js';

export { commandPath };

export const CLI_VERSION = '0.1.0';

/** Commands whose action loads nothing heavy and logs nothing: they skip prepareAction, so they start as fast as `--help`. */
const SELF_CONTAINED: ReadonlySet<string> = new Set(['completion']);

/** The `tandem` command with every subcommand. Flags are also read from TANDEM_<FLAG> env vars. */
export function buildProgram(ctx: CommandContext): Command {
  const program = new Command('tandem')
    .description('Tandem: a Mesos-style two-level cluster scheduler. Every flag can also be set as TANDEM_<FLAG> (e.g. TANDEM_WORK_DIR).')
    .version(CLI_VERSION)
    .showHelpAfterError()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout(s),
      writeErr: (s) => ctx.io.stderr(s),
    })
    .exitOverride()
    .option('-v, --verbose', 'client commands (execute, apps deploy, jobs run, tasks...) also print their log lines (default: only their own output)')
    // Before a command's action runs: what every command that loads the protocol needs (prepare-action.ts).
    .hook('preAction', async (root, action) => {
      if (SELF_CONTAINED.has(commandPath(action))) return;
      const { prepareAction } = await import('./prepare-action.js');
      await prepareAction(root, action, ctx.io);
    });
  for (const make of [
    masterCommand,
    agentCommand,
    agentsCommand,
    frameworksCommand,
    tasksCommand,
    killCommand,
    maintenanceCommand,
    rolesCommand,
    topCommand,
    upCommand,
    executeCommand,
    stateCommand,
    weightsCommand,
    quotaCommand,
    logsCommand,
    jobsCommand,
    appsCommand,
    hollowCommand,
    storeCommand,
    certsCommand,
    aclCommand,
  ]) {
    program.addCommand(writeTo(make(ctx), ctx.io));
  }
  program.addCommand(
    writeTo(
      completionCommand(ctx, () => program),
      ctx.io,
    ),
  );
  return program;
}
