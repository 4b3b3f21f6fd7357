import type { ClusterState } from '@tandem/protocol';
import type { Command } from 'commander';
import { z } from 'zod';
import { type CliIo, formatTable, useColor } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { clientAuthFrom, clientAuthSchema } from '../credential-flags.js';
import { parseOptions } from '../parse-options.js';
import { masters } from '../schemas.js';
import { tablePainter } from './colors.js';
import type { Listing } from './views.js';
import { readClusterState, watchCluster } from './watch-cluster.js';

export const listSchema = z.object({ master: masters(), json: z.boolean().optional(), watch: z.boolean().optional() }).extend(clientAuthSchema.shape);

/** Clears a terminal and puts the cursor home, for a `--watch` frame. */
export const CLEAR_SCREEN = '\x1b[H\x1b[2J';

/** A list as the user reads it: an aligned table, or one JSON document with `--json` (compact, one a line, with `--watch`). */
export function renderListing(listing: Listing, o: { json?: boolean | undefined; watch?: boolean | undefined; color?: boolean | undefined }): string {
  if (o.json) return `${JSON.stringify({ [listing.key]: listing.rows }, null, o.watch ? undefined : 2)}\n`;
  if (listing.rows.length === 0) return `no ${listing.key}\n`;
  return `${formatTable([listing.header, ...listing.cells], o.color ? tablePainter(listing.stateColumns ?? []) : undefined)}\n`;
}

/** Prints `frame`, clearing the terminal first when `--watch` redraws on one. */
export function printFrame(io: CliIo, frame: string, o: { json?: boolean | undefined; watch?: boolean | undefined }, title: string): void {
  if (o.watch && !o.json && io.stdoutIsTTY) {
    io.stdout(`${CLEAR_SCREEN}${title} - ${new Date().toTimeString().slice(0, 8)} - Ctrl-C to stop\n\n${frame}`);
  } else if (o.watch && !o.json) {
    io.stdout(`${frame}\n`);
  } else {
    io.stdout(frame);
  }
}

/** What a list command shows: its schema (extends listSchema) and its rows. Loaded when the command runs. */
export interface ListView<S extends z.ZodType<z.output<typeof listSchema>>> {
  schema: S;
  listing: (state: ClusterState, o: z.output<S>) => Listing;
}

/** The view made for one schema, its types checked. */
export function listView<S extends z.ZodType<z.output<typeof listSchema>>>(schema: S, listing: (state: ClusterState, o: z.output<S>) => Listing): ListView<S> {
  return { schema, listing };
}

/** Runs a list command (listCommand's action): one frame, or with `--watch` one at each change until Ctrl-C. */
export async function runList<S extends z.ZodType<z.output<typeof listSchema>>>(ctx: CommandContext, cmd: Command, spec: ListView<S>): Promise<void> {
  const o = { ...parseOptions(cmd, spec.schema), color: useColor(ctx.io) };
  const auth = clientAuthFrom(o);
  if (!o.watch) {
    printFrame(ctx.io, renderListing(spec.listing(await readClusterState(o.master, auth), o), o), o, `tandem ${cmd.name()}`);
    return;
  }
  // A change elsewhere in the cluster (another list) prints nothing new.
  let last: string | undefined;
  const show = (state: ClusterState): void => {
    const frame = renderListing(spec.listing(state, o), o);
    if (frame === last) return;
    last = frame;
    printFrame(ctx.io, frame, o, `tandem ${cmd.name()}`);
  };
  await untilSignal(ctx, (signal) => watchCluster({ masters: o.master, auth, signal, onChange: (model) => show(model.snapshot()) }));
}

/** Runs `fn` until it ends or Ctrl-C (SIGINT/SIGTERM) aborts its signal; exits 0 on Ctrl-C. */
export async function untilSignal(ctx: CommandContext, fn: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const shutdown = ctx.shutdownSignal();
  const abort = new AbortController();
  void shutdown.received.then(() => abort.abort());
  try {
    await fn(abort.signal);
    ctx.setExitCode(0);
  } finally {
    shutdown.dispose();
  }
}
