import { readFileSync } from 'node:fs';
import { type MaintenanceSchedule, type MaintenanceStatus, ValidationError } from '@tandem/protocol';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { writeTo } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { addClientAuthFlags, clientAuthFrom, clientAuthSchema } from '../credential-flags.js';
import { parseDurationSeconds } from '../duration-flag.js';
import { masterFlag } from '../flag-option.js';
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

/** `tandem maintenance schedule [FILE | --clear]` and `tandem maintenance status`. */
export function maintenanceCommand(ctx: CommandContext): Command {
  const maintenance = new Command('maintenance').description(
    'Maintenance windows (Mesos-style): agents going down for a while. Frameworks with tasks on them get inverse offers ahead of ' +
      'the window; at its start the agents are drained, at its end reactivated.',
  );
  const printSchedule = (s: MaintenanceSchedule): void =>
    ctx.io.stdout(
      `${JSON.stringify({ windows: s.windows.map((w) => ({ agentIds: w.agentIds, start: iso(w.start), end: iso(w.start + w.durationSeconds), durationSeconds: w.durationSeconds })) }, null, 2)}\n`,
    );

  const schedule = new Command('schedule')
    .description(
      'Print the maintenance schedule, or replace it with FILE\'s (JSON: {"windows": [{"agentIds": [...], "start": "2030-01-01T02:00:00Z", ' +
        '"duration": "2h"}]}; start may be seconds since the epoch, duration durationSeconds), or clear it with --clear. ' +
        'The whole schedule at once, all or nothing (ACL drain_agents on its agents).',
    )
    .argument('[file]', 'a schedule file to set')
    .addOption(masterFlag())
    .addOption(new Option('--clear', 'remove every window').env('TANDEM_CLEAR'))
    .action(async (file: string | undefined) => {
      const o = parseOptions(schedule, maintenanceSchema);
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
      printSchedule(res);
    });

  const status = new Command('status')
    .description("Print every agent of the schedule: DRAINING (window ahead), DOWN (in it) or UP (passed), and the frameworks' answers to its inverse offers.")
    .addOption(masterFlag())
    .action(async () => {
      const o = parseOptions(status, maintenanceSchema);
      const res = await withOperator(
        o.master,
        (client, deadline) => unary<object, MaintenanceStatus>(client.GetMaintenanceStatus.bind(client), {}, deadline),
        clientAuthFrom(o),
      );
      ctx.io.stdout(`${JSON.stringify({ agents: res.agents.map((a) => ({ ...a, start: iso(a.start) })) }, null, 2)}\n`);
    });

  for (const sub of [schedule, status]) {
    writeTo(addClientAuthFlags(sub, 'the operator'), ctx.io);
    maintenance.addCommand(sub, { isDefault: sub === schedule });
  }
  return maintenance;
}
