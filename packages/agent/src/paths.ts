import { join } from 'node:path';

/**
 * Where the agent keeps things under its work directory:
 *
 * ```
 * <workDir>/meta/agent.json                                   the agent id
 * <workDir>/meta/frameworks/<fid>/tasks/<tid>/task.json       what was launched
 * <workDir>/meta/frameworks/<fid>/tasks/<tid>/updates.jsonl   status updates and acks
 * <workDir>/sandboxes/<fid>/<tid>/{stdout,stderr}             the task's sandbox
 * ```
 * Framework and task ids are validated with `checkId` before they reach a path.
 */
export class AgentPaths {
  constructor(readonly workDir: string) {}

  get metaDir(): string {
    return join(this.workDir, 'meta');
  }
  get agentFile(): string {
    return join(this.metaDir, 'agent.json');
  }
  get frameworksDir(): string {
    return join(this.metaDir, 'frameworks');
  }
  frameworkDir(frameworkId: string): string {
    return join(this.frameworksDir, frameworkId);
  }
  tasksDir(frameworkId: string): string {
    return join(this.frameworkDir(frameworkId), 'tasks');
  }
  taskDir(frameworkId: string, taskId: string): string {
    return join(this.tasksDir(frameworkId), taskId);
  }
  taskFile(frameworkId: string, taskId: string): string {
    return join(this.taskDir(frameworkId, taskId), 'task.json');
  }
  updatesFile(frameworkId: string, taskId: string): string {
    return join(this.taskDir(frameworkId, taskId), 'updates.jsonl');
  }
  sandboxDir(frameworkId: string, taskId: string): string {
    return join(this.workDir, 'sandboxes', frameworkId, taskId);
  }
}
