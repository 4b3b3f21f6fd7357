import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkStore, repairStore, type StoreReport } from '@tandem/store';
import type { Command } from 'commander';
import { z } from 'zod';
import type { CommandContext } from '../command-context.js';
import { parseOptions } from '../parse-options.js';

const storeSchema = z.object({ json: z.boolean().optional() });

/** `tandem store check DIR [--json]`: exits 2 when the store would not open. */
export function checkStoreDir(ctx: CommandContext, cmd: Command, dir: string): void {
  const o = parseOptions(cmd, storeSchema);
  const report = checkStore(storeDir(dir));
  ctx.io.stdout(o.json ? `${JSON.stringify(report, null, 2)}\n` : describe(report));
  if (report.verdict === 'damaged') ctx.setExitCode(2);
}

/** `tandem store repair DIR [--json]`. */
export function repairStoreDir(ctx: CommandContext, cmd: Command, dir: string): void {
  const o = parseOptions(cmd, storeSchema);
  const result = repairStore(storeDir(dir));
  if (o.json) ctx.io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else {
    ctx.io.stdout(describe(result));
    ctx.io.stdout(result.movedAside.length ? `repaired: ${result.keys} keys kept; moved aside: ${result.movedAside.join(', ')}\n` : 'nothing to repair\n');
  }
}

function storeDir(dir: string): string {
  if (existsSync(join(dir, 'store.log')) || existsSync(join(dir, 'store.snapshot'))) return dir;
  for (const sub of ['registry', 'store']) {
    if (existsSync(join(dir, sub, 'store.log')) || existsSync(join(dir, sub, 'store.snapshot'))) return join(dir, sub);
  }
  return dir;
}

function describe(r: StoreReport): string {
  const lines = [`store ${r.dir}: ${VERDICT[r.verdict]}`];
  lines.push(`  keys ${r.keys}, revision ${r.revision}${r.holder ? `, open by pid ${r.holder.pid} on ${r.holder.hostname} since ${r.holder.since}` : ''}`);
  const s = r.snapshot;
  lines.push(
    `  snapshot: ${s.present ? `${s.entries ?? 0} entries at revision ${s.revision ?? 0}${s.legacy ? ' (old format)' : ''}${s.error ? `; ${s.error}` : ''}` : 'none'}`,
  );
  const l = r.log;
  lines.push(`  log: ${l.present ? `${l.bytes} bytes, ${l.records} whole records${l.legacy ? ' (old format)' : ''}` : 'none'}${l.error ? `; ${l.error}` : ''}`);
  if (l.fault) {
    lines.push(
      l.fault.nextRecordAt === undefined
        ? `  torn tail at offset ${l.fault.offset}: ${l.bytes - l.fault.offset} bytes of an unfinished write, cut back on the next start`
        : `  ${l.fault.reason} record at offset ${l.fault.offset}; ${l.recordsAfterFault} whole records follow from offset ${l.fault.nextRecordAt} (the bytes between are lost; \`tandem store repair\` keeps the rest)`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const VERDICT: Record<StoreReport['verdict'], string> = {
  ok: 'ok',
  'torn-tail': 'ok after cutting a torn last record',
  damaged: 'DAMAGED: it will not open until repaired',
};
