import { DEFAULT_MAX_BODY_BYTES } from '@tandem/protocol/defaults';
import { Command, type Option } from 'commander';
import { writeTo } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import {
  addAclsFlag,
  addCorsFlag,
  addCredentialFlag,
  addHaFlags,
  addHttpAuthFlags,
  addHttpClientTlsFlags,
  addTlsFlags,
  clientCredentialsFlag,
  httpRateFlags,
} from '../common-flags.js';
import {
  DEFAULT_DECLINE_SECONDS,
  DEFAULT_FAILOVER_TIMEOUT_SECONDS,
  DEFAULT_JOBS_PORT,
  DEFAULT_JOBS_URL,
  DEFAULT_JOBS_WORK_DIR,
  DEFAULT_SERVICE_HOST,
} from '../defaults.js';
import { flag, masterFlag } from '../flag-option.js';
import { lazy } from '../lazy-action.js';

const actions = () => import('./jobs-action.js');

function urlFlag(): Option {
  return flag('--url <url>', 'the jobs API', DEFAULT_JOBS_URL);
}

export function jobsCommand(ctx: CommandContext): Command {
  const jobs = new Command('jobs').description('Batch jobs (a Metronome-compatible framework): serve it, run jobs, look at them.');
  const serve = addHaFlags(
    addCorsFlag(
      addAclsFlag(
        addCredentialFlag(addTlsFlags(addHttpAuthFlags(new Command('serve')), 'the jobs framework', true), 'the jobs framework'),
        'the REST API (run_jobs on job ids, view on reads)',
      ),
    )
      .description(
        'Run the jobs framework: REST API (Metronome v1), schedules, runs; state in --work-dir, or with --store nats://... in a bucket several jobs processes share: one leads, the others forward the API to it.',
      )
      .addOption(masterFlag())
      .addOption(flag('--host <host>', 'interface of the REST API', DEFAULT_SERVICE_HOST))
      .addOption(flag('--port <port>', 'REST API port; 0 = any free port', DEFAULT_JOBS_PORT))
      .addOption(flag('--work-dir <dir>', 'directory of the jobs store', DEFAULT_JOBS_WORK_DIR))
      .addOption(flag('--failover-timeout <seconds>', "how long the master keeps the framework's tasks while it is away", DEFAULT_FAILOVER_TIMEOUT_SECONDS))
      .addOption(flag('--decline-seconds <seconds>', 'refuse_seconds for offers it does not need', DEFAULT_DECLINE_SECONDS))
      .addOption(flag('--max-body-bytes <bytes>', 'refuse request bodies larger than this with 413', DEFAULT_MAX_BODY_BYTES))
      .addOption(httpRateFlags('/ping')[0])
      .addOption(httpRateFlags('/ping')[1])
      .addOption(flag('--clock-offset-ms <ms>', 'shift the scheduler clock (tests only)', 0).hideHelp()),
    'the jobs framework',
  ).action(lazy(actions, (m) => m.serveJobs(ctx, serve)));

  const run: Command = new Command('run')
    .description('Create or update the job in FILE, start a run; with --wait show it live and exit 0 on SUCCESS, 1 on FAILED.')
    .argument('<file>', 'a job spec (Metronome JSON)')
    .addOption(urlFlag())
    .option('--wait', 'follow the run until it ends')
    .addOption(flag('--poll <seconds>', 'how often --wait looks at the run', 0.5))
    .action(lazy(actions, (m, file: string) => m.runJobFile(ctx, run, file)));

  const list: Command = new Command('list')
    .description('List jobs with their run counts.')
    .addOption(urlFlag())
    .option('--json', 'print the JSON')
    .action(lazy(actions, (m) => m.listJobs(ctx, list)));

  const show: Command = new Command('show')
    .description('Show a job with its schedules, active runs and history summary (JSON).')
    .argument('<id>')
    .addOption(urlFlag())
    .action(lazy(actions, (m, id: string) => m.showJob(ctx, show, id)));

  const history: Command = new Command('history')
    .description("Show a job's history: counts, last times, finished runs (JSON).")
    .argument('<id>')
    .addOption(urlFlag())
    .action(lazy(actions, (m, id: string) => m.jobHistory(ctx, history, id)));

  const stop: Command = new Command('stop')
    .description("Stop a run: its tasks are killed with the job's grace period; the run ends FAILED.")
    .argument('<id>')
    .argument('<run>')
    .addOption(urlFlag())
    .action(lazy(actions, (m, id: string, runId: string) => m.stopRun(ctx, stop, id, runId)));

  for (const sub of [serve, run, list, show, history, stop]) {
    if (sub !== serve) addHttpClientTlsFlags(clientCredentialsFlag(sub));
    writeTo(sub, ctx.io);
    jobs.addCommand(sub);
  }
  return jobs;
}
