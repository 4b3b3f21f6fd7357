import { marathonDockerHostAccess, type TaskSpec } from '@tandem/framework-sdk';
import { envWithSecretSources } from '@tandem/protocol';
import { taskIdOf } from './ids.js';
import type { JobRun } from './job-run.js';

/** The task of one attempt of one index of a run, as the SDK's matcher and launch take it. */
export function runTaskSpec(run: JobRun, index: number, attempt: number): TaskSpec {
  const s = run.spec;
  const id = taskIdOf(run.jobId, run.id, index, attempt);
  // Docker parameters env/e and user/u: the job's own env and user come first.
  const fromParameters = s.docker ? marathonDockerHostAccess(s, '') : undefined;
  const user = s.user || fromParameters?.user;
  return {
    id,
    name: run.jobId,
    cpus: s.cpus,
    mem: s.mem,
    ...(s.disk > 0 ? { disk: s.disk } : {}),
    ...(s.cmd !== undefined ? { command: s.cmd } : { argv: s.args ?? [] }),
    ...(s.docker ? { image: s.docker.image, forcePullImage: s.docker.forcePullImage ?? false, docker: fromParameters?.access ?? {} } : {}),
    env: {
      ...fromParameters?.env,
      // A {secret} value becomes a reference to its secret's source: the agent reads the value.
      ...envWithSecretSources(s.env, s.secrets),
      TANDEM_JOB_ID: run.jobId,
      TANDEM_RUN_ID: run.id,
      TANDEM_TASK_INDEX: String(index),
      TANDEM_TASK_ATTEMPT: String(attempt),
    },
    labels: { 'tandem.jobs.job': run.jobId, 'tandem.jobs.run': run.id },
    ...(s.taskKillGracePeriodSeconds === undefined ? {} : { killGracePeriodSeconds: s.taskKillGracePeriodSeconds }),
    ...(user ? { user } : {}),
    ...(s.artifacts && s.artifacts.length > 0
      ? { uris: s.artifacts.map((a) => ({ value: a.uri, executable: a.executable, extract: a.extract, cache: a.cache, outputFile: '' })) }
      : {}),
  };
}
