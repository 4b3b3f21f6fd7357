import { readFile } from 'node:fs/promises';
import { type Acls, Code, parseAcls, TandemError } from '@tandem/protocol';
import type { Command } from 'commander';
import { z } from 'zod';
import { flag } from './flag-option.js';

export const aclsSchema = z.object({ acls: z.string().min(1).optional() });

/** `--acls FILE` (TANDEM_ACLS): the ACLs a server checks (JSON or YAML). */
export function addAclsFlag(cmd: Command, what: string): Command {
  return cmd.addOption(
    flag(
      '--acls <file>',
      `ACLs (JSON or YAML, Mesos' vocabulary) on ${what}; first matching rule wins; "permissive": false denies what no rule allows (default: no ACLs)`,
    ),
  );
}

/** The ACLs `--acls` names, or undefined; an unreadable or bad file names the flag, the file and the field. */
export async function aclsFrom(o: z.output<typeof aclsSchema>): Promise<Acls | undefined> {
  if (o.acls === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(o.acls, 'utf8');
  } catch (err) {
    throw new TandemError(Code.InvalidArgument, `--acls (TANDEM_ACLS): cannot read ${o.acls}: ${(err as Error).message}`, { field: '--acls', cause: err });
  }
  return parseAcls(text, `--acls ${o.acls}`);
}
