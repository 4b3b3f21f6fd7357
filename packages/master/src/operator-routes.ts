import { requestPrincipal } from '@tandem/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { MasterOperations } from './master-operations.js';
import { parseRestBody } from './role-config-check.js';

const seconds = (min: 'zero' | 'positive') =>
  z
    .number({ error: (iss) => `must be a number of seconds, got ${JSON.stringify(iss.input)}` })
    .finite()
    .refine((v) => (min === 'zero' ? v >= 0 : v > 0), { message: min === 'zero' ? 'must be >= 0' : 'must be > 0' });

/** `POST /api/v1/agents/:id/drain`: DrainAgentRequest as JSON (the id from the path); an empty body drains with each task's own grace. */
const drainBodySchema = z
  .object({
    gracePeriodSeconds: seconds('zero').optional(),
    markGone: z.boolean({ error: (iss) => `must be true or false, got ${JSON.stringify(iss.input)}` }).default(false),
  })
  .strict();

/** `POST /api/v1/tasks/:id/kill`: OperatorKillTaskRequest as JSON (the id from the path). */
const killBodySchema = z
  .object({
    frameworkId: z.string().min(1).optional(),
    gracePeriodSeconds: seconds('positive').optional(),
  })
  .strict();

/** `PUT /api/v1/maintenance/schedule`: MaintenanceSchedule as JSON; each window's agents, start and duration are checked by the master. */
const scheduleBodySchema = z
  .object({
    windows: z.array(
      z
        .object({
          agentIds: z.array(z.string()),
          start: z.number({ error: (iss) => `must be seconds since the epoch, got ${JSON.stringify(iss.input)}` }),
          durationSeconds: z.number({ error: (iss) => `must be a number of seconds, got ${JSON.stringify(iss.input)}` }),
        })
        .strict(),
    ),
  })
  .strict();

/**
 * The operator's changes to agents, tasks and frameworks over HTTP, each the JSON form of
 * its Operator RPC and through the same ACL: drain and reactivate an agent and set the
 * maintenance schedule (`drain_agents`), kill a task (`kill_tasks`), tear a framework down
 * (`teardown_frameworks`). Errors are `{ message, field }` with the code's HTTP status.
 */
export function addOperatorRoutes(app: FastifyInstance, master: MasterOperations, sendError: (reply: FastifyReply, err: unknown) => FastifyReply): void {
  const body = (raw: unknown): unknown => raw ?? {};
  app.post<{ Params: { agentId: string } }>('/api/v1/agents/:agentId/drain', async (req, reply) => {
    try {
      const { gracePeriodSeconds, markGone } = parseRestBody(drainBodySchema, body(req.body));
      return await master.drainAgent({ agentId: req.params.agentId, gracePeriodSeconds, markGone }, requestPrincipal(req.raw));
    } catch (err) {
      return sendError(reply, err);
    }
  });
  app.post<{ Params: { agentId: string } }>('/api/v1/agents/:agentId/reactivate', async (req, reply) => {
    try {
      return { reactivated: await master.reactivateAgent(req.params.agentId, requestPrincipal(req.raw)) };
    } catch (err) {
      return sendError(reply, err);
    }
  });
  // Maintenance (Operator.Get/UpdateMaintenanceSchedule, GetMaintenanceStatus): PUT replaces the whole schedule; `{"windows": []}` clears it.
  app.get('/api/v1/maintenance/schedule', async () => master.maintenanceSchedule());
  app.put('/api/v1/maintenance/schedule', async (req, reply) => {
    try {
      const { windows } = parseRestBody(scheduleBodySchema, req.body);
      return await master.updateMaintenanceSchedule(windows, requestPrincipal(req.raw));
    } catch (err) {
      return sendError(reply, err);
    }
  });
  app.get('/api/v1/maintenance/status', async () => master.maintenanceStatus());
  app.post<{ Params: { taskId: string } }>('/api/v1/tasks/:taskId/kill', async (req, reply) => {
    try {
      const { frameworkId, gracePeriodSeconds } = parseRestBody(killBodySchema, body(req.body));
      return await master.killTask({ taskId: req.params.taskId, frameworkId, gracePeriodSeconds }, requestPrincipal(req.raw));
    } catch (err) {
      return sendError(reply, err);
    }
  });
  app.post<{ Params: { frameworkId: string } }>('/api/v1/frameworks/:frameworkId/teardown', async (req, reply) => {
    try {
      return await master.teardownFramework(req.params.frameworkId, requestPrincipal(req.raw));
    } catch (err) {
      return sendError(reply, err);
    }
  });
}
