import { TaskStates } from '@tandem/protocol';
import type { Command } from 'commander';
import { z } from 'zod';
import type { CommandContext } from '../command-context.js';
import { flag } from '../flag-option.js';
import { listCommand, listSchema } from '../listing/list-command.js';
import { taskStateName, tasksListing } from '../listing/views.js';

const STATES: readonly string[] = Object.values(TaskStates);

export const tasksSchema = listSchema.extend({
  state: z
    .string()
    .refine((s) => STATES.includes(taskStateName(s)), {
      message: `must be a task state (${STATES.map((s) => s.replace('TASK_', '').toLowerCase()).join(', ')})`,
    })
    .optional(),
  framework: z.string().min(1, 'must not be empty').optional(),
  agent: z.string().min(1, 'must not be empty').optional(),
  all: z.boolean().optional(),
});

/** `tandem tasks`: the live tasks (with --all the finished ones the master keeps too), filtered by state, framework or agent. */
export function tasksCommand(ctx: CommandContext): Command {
  return listCommand(ctx, {
    name: 'tasks',
    description: "Print the cluster's live tasks: id, name, state, framework, host, CPUs, memory (--json: as JSON); filter with --state, --framework, --agent.",
    options: [
      flag('--state <state>', 'only tasks in this state (running, staging, finished, failed, ...; a finished state includes the finished tasks)'),
      flag('--framework <id-or-name>', "only this framework's tasks"),
      flag('--agent <id-or-hostname>', "only this agent's tasks"),
      flag('--all', 'the finished tasks the master keeps too'),
    ],
    schema: tasksSchema,
    listing: (state, o) => tasksListing(state, o),
  });
}
