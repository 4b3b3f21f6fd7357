import { TaskStates } from '@tandem/protocol';
import { z } from 'zod';
import { listSchema, listView } from './list-action.js';
import { agentsListing, frameworksListing, rolesListing, taskStateName, tasksListing } from './views.js';

// The schemas and rows of the list commands (agents, frameworks, roles, tasks), loaded when one runs.

export const agentsView = listView(listSchema, (state) => agentsListing(state));
export const frameworksView = listView(listSchema, (state) => frameworksListing(state));
export const rolesView = listView(listSchema, (state) => rolesListing(state));

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

export const tasksView = listView(tasksSchema, (state, o) => tasksListing(state, o));
