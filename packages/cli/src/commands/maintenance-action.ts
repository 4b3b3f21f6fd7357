import { readFileSync } from 'node:fs';
import { type MaintenanceSchedule, type MaintenanceStatus, ValidationError } from '@tandem/protocol';
import type { Command } from 'commander';
import { z } from 'zod';
import type { CommandContext } from '../command-context.js';
import { clientAuthFrom, clientAuthSchema } from '../credential-flags.js';
import { parseDurationSeconds } from '../duration-flag.js';
import { unary, withOperator } from '../operator-call.js';
import { parseOptions } from '../parse-options.js';
import { masters } from '../schemas.js';

export const maintenanceSchema = z.object({ master: masters(), clear: z.boolean().default(false) }).extend(clientAuthSchema.shape);

/** A window as a schedule file holds it: `start` an ISO time or seconds since the epoch, `duration` (`2h`) or `durationSeconds`. */
const windowSchema = z
  .object({
    agentIds: z.array(z.string()).min(1, 'at least one agent id is required'),
    start: z.union([z.number(), z.string()]),
    duration: z.string().optional(),
    durationSeconds: z.number().optional(),
  })
  .strict();
const fileSchema = z.object({ windows: z.array(windowSchema) }).strict();

/** Reads a schedule file into the windows of UpdateMaintenanceSchedule; a bad file is a ValidationError naming the field. */
export function readScheduleFile(path: string): { agentIds: string[]; start: number; durationSeconds: number }[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ValidationError(path, `is not a readable JSON file: ${(err as Error).message}`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(`${path}: ${issue?.path.join('.') || 'windows'}`, issue?.message ?? 'invalid');
  }
  return parsed.data.windows.map((w, i) => {
    const start = typeof w.start === 'number' ? w.start : Date.parse(w.start) / 1000;
    if (!Number.isFinite(start))
      throw new ValidationError(`${path}: windows.${i}.start`, `must be an ISO time or seconds since the epoch, got ${JSON.stringify(w.start)}`);
    const durationSeconds = w.durationSeconds ?? (w.duration === undefined ? undefined : parseDurationSeconds(w.duration));
    if (durationSeconds === undefined) {
      throw new ValidationError(`${path}: windows.${i}.duration`, 'is required: a duration such as "2h" (or durationSeconds)');
    }
    return { agentIds: w.agentIds, start, durationSeconds };
  });
}

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

const printSchedule = (ctx: CommandContext, s: MaintenanceSchedule): void =>
  ctx.io.stdout(
    `${JSON.stringify({ windows: s.windows.map((w) => ({ agentIds: w.agentIds, start: iso(w.start), end: iso(w.start + w.durationSeconds), durationSeconds: w.durationSeconds })) }, null, 2)}\n`,
  );

/** `tandem maintenance schedule [FILE | --clear]`: prints the schedule, or sets FILE's, or clears it. */
export async function maintenanceSchedule(ctx: CommandContext, cmd: Command, file: string | undefined): Promise<void> {
  const o = parseOptions(cmd, maintenanceSchema);
  if (file !== undefined && o.clear) throw new ValidationError('--clear', 'give a schedule file or --clear, not both');
  const windows = o.clear ? [] : file !== undefined ? readScheduleFile(file) : undefined;
  const res = await withOperator(
    o.master,
    (client, deadline) =>
      windows === undefined
        ? unary<object, MaintenanceSchedule>(client.GetMaintenanceSchedule.bind(client), {}, deadline)
        : unary<object, MaintenanceSchedule>(client.UpdateMaintenanceSchedule.bind(client), { windows }, deadline),
    clientAuthFrom(o),
  );
  printSchedule(ctx, res);
}

/** `tandem maintenance status` (Operator.GetMaintenanceStatus). */
export async function maintenanceStatus(ctx: CommandContext, cmd: Command): Promise<void> {
  const o = parseOptions(cmd, maintenanceSchema);
  const res = await withOperator(
    o.master,
    (client, deadline) => unary<object, MaintenanceStatus>(client.GetMaintenanceStatus.bind(client), {}, deadline),
    clientAuthFrom(o),
  );
  ctx.io.stdout(`${JSON.stringify({ agents: res.agents.map((a) => ({ ...a, start: iso(a.start) })) }, null, 2)}\n`);
}
