import { readFile } from 'node:fs/promises';
import { type Acls, Code, parseAcls, TandemError } from '@tandem/protocol';
import { z } from 'zod';

export const aclsSchema = z.object({ acls: z.string().min(1).optional() });

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
