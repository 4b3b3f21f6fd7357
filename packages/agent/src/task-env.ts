import type { TaskInfo } from '@tandem/protocol';

const NO_VALUES: ReadonlyMap<string, string> = new Map();

/**
 * The host ports a task holds, from its `ports` resources, in the order the task
 * lists them (PORT0 is the first port of the first range), without duplicates.
 */
export function taskPorts(task: TaskInfo): number[] {
  const seen = new Set<number>();
  const out: number[] = [];
  for (const r of task.resources ?? []) {
    if (r.name !== 'ports') continue;
    for (const range of r.ranges?.range ?? []) {
      for (let p = Number(range.begin); p <= Number(range.end); p++) {
        if (!seen.has(p)) {
          seen.add(p);
          out.push(p);
        }
      }
    }
  }
  return out;
}

export interface TaskEnvContext {
  taskId: string;
  frameworkId: string;
  agentId: string;
  sandboxDir: string;
  hostname: string;
  ports: readonly number[];
}

/**
 * The environment a task runs with: its own `command.environment` (a variable that
 * references a secret gets the value from `secrets`, by source, and is left out when it
 * is not there), then what the agent sets (which wins): PORT0..n and PORT (= PORT0) for
 * its ports, HOST, TANDEM_TASK_ID, TANDEM_FRAMEWORK_ID, TANDEM_AGENT_ID and TANDEM_SANDBOX.
 */
export function buildTaskEnv(task: TaskInfo, ctx: TaskEnvContext, secrets: ReadonlyMap<string, string> = NO_VALUES): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of task.command?.environment ?? []) {
    if (!v.name) continue;
    if (v.secret) {
      const value = secrets.get(v.secret);
      if (value !== undefined) env[v.name] = value;
    } else env[v.name] = v.value ?? '';
  }
  ctx.ports.forEach((port, i) => {
    env[`PORT${i}`] = String(port);
  });
  if (ctx.ports[0] !== undefined) env.PORT = String(ctx.ports[0]);
  env.HOST = ctx.hostname;
  env.TANDEM_TASK_ID = ctx.taskId;
  env.TANDEM_FRAMEWORK_ID = ctx.frameworkId;
  env.TANDEM_AGENT_ID = ctx.agentId;
  env.TANDEM_SANDBOX = ctx.sandboxDir;
  return env;
}
