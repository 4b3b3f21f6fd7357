import { Command } from 'commander';
import { z } from 'zod';
import { writeTo } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { addClientAuthFlags, clientAuthFrom, clientAuthSchema } from '../credential-flags.js';
import { flag, masterFlag } from '../flag-option.js';
import { CLEAR_SCREEN, untilSignal } from '../listing/list-command.js';
import { DEFAULT_TOP_FRAMEWORKS, renderTop, topData } from '../listing/top-frame.js';
import { readClusterState, watchCluster } from '../listing/watch-cluster.js';
import { parseOptions } from '../parse-options.js';
import { count, masters } from '../schemas.js';

export const topSchema = z
  .object({ master: masters(), once: z.boolean().optional(), json: z.boolean().optional(), frameworks: count() })
  .extend(clientAuthSchema.shape);

/** `tandem top`: the cluster's live utilisation, redrawn from Operator.Watch. */
export function topCommand(ctx: CommandContext): Command {
  const cmd = new Command('top')
    .description(
      "Live utilisation: the cluster's CPUs, memory and disk used of total, each agent's, and the frameworks with the largest dominant share; redrawn at each change the master's Watch stream tells, until Ctrl-C.",
    )
    .addOption(masterFlag())
    .addOption(flag('--once', 'print one frame and exit'))
    .addOption(flag('--json', "print the frame's numbers as JSON (one document; without --once, one a line at each change)"))
    .addOption(flag('--frameworks <n>', 'how many frameworks to show', DEFAULT_TOP_FRAMEWORKS));
  addClientAuthFlags(cmd, 'the operator').action(async () => {
    const o = parseOptions(cmd, topSchema);
    const auth = clientAuthFrom(o);
    const frame = (state: Parameters<typeof topData>[0]): string => {
      const d = topData(state, o.frameworks);
      return o.json ? `${JSON.stringify(d, null, o.once ? 2 : undefined)}\n` : renderTop(d);
    };
    if (o.once) {
      ctx.io.stdout(frame(await readClusterState(o.master, auth)));
      return;
    }
    const clear = ctx.io.stdoutIsTTY && !o.json ? CLEAR_SCREEN : '';
    await untilSignal(ctx, (signal) =>
      watchCluster({ masters: o.master, auth, signal, onChange: (model) => ctx.io.stdout(`${clear}${frame(model.snapshot())}`) }),
    );
  });
  return writeTo(cmd, ctx.io);
}
