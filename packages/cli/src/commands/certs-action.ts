import type { Command } from 'commander';
import { z } from 'zod';
import { CERT_ROLES, type CertRole } from '../certs/cert-roles.js';
import { initCa, issueCert, type WrittenFile } from '../certs/cluster-ca.js';
import type { CommandContext } from '../command-context.js';
import { parseOptions } from '../parse-options.js';
import { nonEmpty } from '../schemas.js';

const initSchema = z.object({ dir: nonEmpty() });
const issueSchema = z.object({
  dir: nonEmpty(),
  role: z.enum(CERT_ROLES, { message: `must be one of ${CERT_ROLES.join(', ')}` }),
  name: nonEmpty(),
  host: z.string().optional(),
});

const print = (ctx: CommandContext, files: WrittenFile[]): void => {
  for (const f of files) ctx.io.stdout(`${f.path}\n    ${f.purpose}\n`);
};

/** `tandem certs init --dir DIR`. */
export async function initCaCommand(ctx: CommandContext, cmd: Command): Promise<void> {
  const o = parseOptions(cmd, initSchema);
  print(ctx, await initCa(o.dir));
}

/** `tandem certs issue --dir DIR --role ROLE --name NAME [--host ...]`. */
export async function issueCertCommand(ctx: CommandContext, cmd: Command): Promise<void> {
  const o = parseOptions(cmd, issueSchema);
  const hosts =
    o.host === undefined
      ? undefined
      : o.host
          .split(',')
          .map((h) => h.trim())
          .filter((h) => h !== '');
  print(ctx, await issueCert({ dir: o.dir, role: o.role as CertRole, name: o.name, ...(hosts ? { hosts } : {}) }));
}
