import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkStore, repairStore, type StoreReport } from '@tandem/store';
import { Command } from 'commander';
import { z } from 'zod';
import type { CommandContext } from '../command-context.js';
import { flag } from '../flag-option.js';
import { parseOptions } from '../parse-options.js';

const storeSchema = z.object({ json: z.boolean().optional() });

/**
 * `tandem store check|repair DIR`: what a file store holds and where it is damaged, and
 * salvage of what is readable. DIR is a store directory (holding `store.log`) or a work
 * dir holding one: a master's `registry/`, an apps or jobs service's `store/`.
 */
export function storeCommand(ctx: CommandContext): Command {
  const cmd = new Command('store').description('Inspect and repair a file store (a master registry, an apps or jobs store).');
  const check = new Command('check')
    .description('Read a store without changing it: records, keys, revision, the holder, and where it is torn or damaged. Exits 2 when it would not open.')
    .argument('<dir>', 'the store directory, or a work dir holding registry/ or store/')
    .addOption(flag('--json', 'print the report as JSON'))
    .action((dir: string) => {
      const o = parseOptions(check, storeSchema);
      const report = checkStore(storeDir(dir));
      ctx.io.stdout(o.json ? `${JSON.stringify(report, null, 2)}\n` : describe(report));
      if (report.verdict === 'damaged') ctx.setExitCode(2);
    });
  const repair = new Command('repair')
    .description(
      'Keep every readable record of a damaged store: the damaged files are moved aside (never deleted) and replaced by a snapshot of what was read. The store must not be open.',
    )
    .argument('<dir>', 'the store directory, or a work dir holding registry/ or store/')
    .addOption(flag('--json', 'print the result as JSON'))
    .action((dir: string) => {
      const o = parseOptions(repair, storeSchema);
      const result = repairStore(storeDir(dir));
      if (o.json) ctx.io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      else {
        ctx.io.stdout(describe(result));
        ctx.io.stdout(result.movedAside.length ? `repaired: ${result.keys} keys kept; moved aside: ${result.movedAside.join(', ')}\n` : 'nothing to repair\n');
      }
    });
  return cmd.addCommand(check).addCommand(repair);
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
