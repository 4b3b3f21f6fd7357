import type { Command } from 'commander';
import { z } from 'zod';
import type { CommandContext } from '../command-context.js';
import { clientAuthFrom, clientAuthSchema } from '../credential-flags.js';
import { CLEAR_SCREEN, untilSignal } from '../listing/list-action.js';
import { renderTop, topData } from '../listing/top-frame.js';
import { readClusterState, watchCluster } from '../listing/watch-cluster.js';
import { parseOptions } from '../parse-options.js';
import { count, masters } from '../schemas.js';

export const topSchema = z
  .object({ master: masters(), once: z.boolean().optional(), json: z.boolean().optional(), frameworks: count() })
  .extend(clientAuthSchema.shape);

/** `tandem top`: one frame (--once), or one at each change the master's Watch stream tells until Ctrl-C. */
export async function runTop(ctx: CommandContext, cmd: Command): Promise<void> {
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
}
