import { marathonDockerHostAccess } from '@tandem/framework-sdk';
import type { ParsedApp } from './app-schema.js';

/**
 * What an app's container asks of the agent's host (Marathon's host volumes, privileged,
 * and the docker parameters Tandem carries; env/e and user/u parameters apart), and what in it is malformed (JSON pointers
 * under `/container`). The apps framework does not decide what is allowed: each agent's
 * Docker policy does (`tandem agent --docker-allow`), and its refusal shows as the app's
 * lastTaskFailure (TASK_ERROR naming the field and the flag).
 */
export function dockerHostAccess(container: ParsedApp['container']): ReturnType<typeof marathonDockerHostAccess> {
  return marathonDockerHostAccess(container, '/container');
}
