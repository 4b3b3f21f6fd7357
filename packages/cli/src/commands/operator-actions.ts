import type {
  ClusterState,
  DrainAgentResponse,
  MarkAgentGoneResponse,
  OperatorKillTaskResponse,
  QuotaConfigInit,
  QuotaResponse,
  ReactivateAgentResponse,
  TeardownFrameworkResponse,
  WeightsResponse,
} from '@tandem/protocol';
import { ValidationError } from '@tandem/protocol';
import type { Command } from 'commander';
import { z } from 'zod';
import type { CommandContext } from '../command-context.js';
import { type ClientAuth, clientAuthFrom, clientAuthSchema } from '../credential-flags.js';
import { durationSeconds } from '../duration-flag.js';
import { untilSignal } from '../listing/list-action.js';
import { unary, withOperator } from '../operator-call.js';
import { parseOptions } from '../parse-options.js';
import { parseQuantities, parseWeight } from '../role-flags.js';
import { masters } from '../schemas.js';
import { watchDrain } from '../watch-drain.js';

// The actions of the commands that make one Operator call (agents gone/drain/reactivate, frameworks teardown, kill, state,
// weights, quota), loaded when one runs; their definitions are in agents.ts, agent-drain.ts, frameworks-teardown.ts, kill.ts,
// state.ts, weights.ts and quota.ts.

export const operatorSchema = z.object({ master: masters() }).extend(clientAuthSchema.shape);
export const drainSchema = operatorSchema.extend({
  grace: durationSeconds().optional(),
  markGone: z.boolean().default(false),
  wait: z.boolean().default(false),
});
export const killSchema = operatorSchema.extend({
  framework: z.string().min(1, 'must not be empty').optional(),
  grace: durationSeconds()
    .refine((s) => s > 0, 'must be longer than 0')
    .optional(),
});
export const quotaSetSchema = operatorSchema.extend({
  guarantee: z.string().optional(),
  limit: z.string().optional(),
  force: z.boolean().optional(),
});

const json = (ctx: CommandContext, v: unknown): void => ctx.io.stdout(`${JSON.stringify(v, null, 2)}\n`);

/** `tandem agents gone ID` (Operator.MarkAgentGone). */
export async function markAgentGone(ctx: CommandContext, cmd: Command, agentId: string): Promise<void> {
  const o = parseOptions(cmd, operatorSchema);
  const res = await withOperator(
    o.master,
    (client, deadline) => unary<object, MarkAgentGoneResponse>(client.MarkAgentGone.bind(client), { agentId }, deadline),
    clientAuthFrom(o),
  );
  json(ctx, { agentId, goneAt: new Date(res.goneAt * 1000).toISOString(), tasksGone: res.tasksGone });
}

/** `tandem agents drain ID [--grace 60s] [--mark-gone]` (Operator.DrainAgent). */
export async function drainAgent(ctx: CommandContext, cmd: Command, agentId: string): Promise<void> {
  const o = parseOptions(cmd, drainSchema);
  const res = await withOperator(
    o.master,
    (client, deadline) =>
      unary<object, DrainAgentResponse>(
        client.DrainAgent.bind(client),
        { agentId, markGone: o.markGone, ...(o.grace === undefined ? {} : { gracePeriodSeconds: o.grace }) },
        deadline,
      ),
    clientAuthFrom(o),
  );
  const info = res.drainInfo;
  const out = {
    agentId,
    state: info?.state.replace('DRAIN_STATE_', ''),
    gracePeriodSeconds: info?._gracePeriodSeconds === 'gracePeriodSeconds' ? info.gracePeriodSeconds : undefined,
    markGone: info?.markGone,
    tasksKilled: res.tasksKilled,
  };
  if (!o.wait) return json(ctx, out);
  // --wait: follow the drain on the master's Watch stream (progress on stderr) until DRAINED, or gone with --mark-gone.
  await untilSignal(ctx, async (signal) => {
    const end = await withOperator(
      o.master,
      (client) => watchDrain(client, agentId, o.markGone, signal, (n) => ctx.io.stderr(`agent ${agentId}: ${n} task${n === 1 ? '' : 's'} still running\n`)),
      clientAuthFrom(o),
    );
    json(ctx, { ...out, state: end ?? out.state });
  });
}

/** `tandem agents reactivate ID` (Operator.ReactivateAgent). */
export async function reactivateAgent(ctx: CommandContext, cmd: Command, agentId: string): Promise<void> {
  const o = parseOptions(cmd, operatorSchema);
  const res = await withOperator(
    o.master,
    (client, deadline) => unary<object, ReactivateAgentResponse>(client.ReactivateAgent.bind(client), { agentId }, deadline),
    clientAuthFrom(o),
  );
  json(ctx, { agentId, reactivated: res.reactivated });
}

/** `tandem frameworks teardown ID` (Operator.TeardownFramework). */
export async function teardownFramework(ctx: CommandContext, cmd: Command, frameworkId: string): Promise<void> {
  const o = parseOptions(cmd, operatorSchema);
  const res = await withOperator(
    o.master,
    (client, deadline) => unary<object, TeardownFrameworkResponse>(client.TeardownFramework.bind(client), { frameworkId }, deadline),
    clientAuthFrom(o),
  );
  json(ctx, { frameworkId, tasksKilled: res.tasksKilled });
}

/** `tandem kill TASK [--framework ID] [--grace 10s]` (Operator.KillTask). */
export async function killTask(ctx: CommandContext, cmd: Command, taskId: string): Promise<void> {
  const o = parseOptions(cmd, killSchema);
  const res = await withOperator(
    o.master,
    (client, deadline) =>
      unary<object, OperatorKillTaskResponse>(
        client.KillTask.bind(client),
        { taskId, ...(o.framework ? { frameworkId: o.framework } : {}), ...(o.grace === undefined ? {} : { gracePeriodSeconds: o.grace }) },
        deadline,
      ),
    clientAuthFrom(o),
  );
  json(ctx, { taskId, frameworkId: res.frameworkId, agentId: res.agentId, state: res.state, killed: true });
}

/** `tandem state` (Operator.GetState). */
export async function printState(ctx: CommandContext, cmd: Command): Promise<void> {
  const o = parseOptions(cmd, operatorSchema);
  json(ctx, await withOperator(o.master, (client, deadline) => unary<object, ClusterState>(client.GetState.bind(client), {}, deadline), clientAuthFrom(o)));
}

const printWeights = (ctx: CommandContext, res: WeightsResponse): void => json(ctx, { weights: res.weights });

/** `tandem weights` (Operator.GetWeights). */
export async function getWeights(ctx: CommandContext, cmd: Command): Promise<void> {
  const o = parseOptions(cmd, operatorSchema);
  printWeights(
    ctx,
    await withOperator(o.master, (client, deadline) => unary<object, WeightsResponse>(client.GetWeights.bind(client), {}, deadline), clientAuthFrom(o)),
  );
}

/** `tandem weights set ROLE=W...` (Operator.UpdateWeights). */
export async function setWeights(ctx: CommandContext, cmd: Command, pairs: string[]): Promise<void> {
  const o = parseOptions(cmd, operatorSchema);
  const list = pairs.map((p, i) => parseWeight(p, `ROLE=WEIGHT #${i + 1}`));
  printWeights(
    ctx,
    await withOperator(
      o.master,
      (client, deadline) => unary<object, WeightsResponse>(client.UpdateWeights.bind(client), { weights: list }, deadline),
      clientAuthFrom(o),
    ),
  );
}

const printQuotas = (ctx: CommandContext, res: QuotaResponse): void => json(ctx, { quotas: res.quotas });
const updateQuotas = (master: string, quotas: QuotaConfigInit[], force: boolean, auth: ClientAuth) =>
  withOperator(master, (client, deadline) => unary<object, QuotaResponse>(client.UpdateQuota.bind(client), { quotas, force }, deadline), auth);

/** `tandem quota` (Operator.GetQuota). */
export async function getQuotas(ctx: CommandContext, cmd: Command): Promise<void> {
  const o = parseOptions(cmd, operatorSchema);
  printQuotas(
    ctx,
    await withOperator(o.master, (client, deadline) => unary<object, QuotaResponse>(client.GetQuota.bind(client), {}, deadline), clientAuthFrom(o)),
  );
}

/** `tandem quota set ROLE --guarantee ... --limit ...` (Operator.UpdateQuota). */
export async function setQuota(ctx: CommandContext, cmd: Command, role: string): Promise<void> {
  const o = parseOptions(cmd, quotaSetSchema);
  if (o.guarantee === undefined && o.limit === undefined)
    throw new ValidationError('--guarantee / --limit', 'give at least one (to remove a quota: tandem quota remove ROLE)');
  const config: QuotaConfigInit = {
    role,
    guarantee: o.guarantee === undefined ? {} : parseQuantities(o.guarantee, '--guarantee (TANDEM_GUARANTEE)'),
    limit: o.limit === undefined ? {} : parseQuantities(o.limit, '--limit (TANDEM_LIMIT)'),
  };
  printQuotas(ctx, await updateQuotas(o.master, [config], o.force === true, clientAuthFrom(o)));
}

/** `tandem quota remove ROLE...` (Operator.UpdateQuota). */
export async function removeQuotas(ctx: CommandContext, cmd: Command, roles: string[]): Promise<void> {
  const o = parseOptions(cmd, operatorSchema);
  printQuotas(
    ctx,
    await updateQuotas(
      o.master,
      roles.map((role) => ({ role, guarantee: {}, limit: {} })),
      false,
      clientAuthFrom(o),
    ),
  );
}
