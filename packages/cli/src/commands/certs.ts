import { Command } from 'commander';
import { z } from 'zod';
import { CERT_ROLES, type CertRole } from '../certs/cert-roles.js';
import type { WrittenFile } from '../certs/cluster-ca.js';
import { writeTo } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { flag } from '../flag-option.js';
import { parseOptions } from '../parse-options.js';
import { nonEmpty } from '../schemas.js';

const initSchema = z.object({ dir: nonEmpty() });
const issueSchema = z.object({
  dir: nonEmpty(),
  role: z.enum(CERT_ROLES, { message: `must be one of ${CERT_ROLES.join(', ')}` }),
  name: nonEmpty(),
  host: z.string().optional(),
});

/** `tandem certs init` (a cluster CA) and `tandem certs issue` (a certificate signed by it). */
export function certsCommand(ctx: CommandContext): Command {
  const certs = new Command('certs').description('A cluster CA and the certificates of masters, agents, frameworks and operators (mutual TLS).');
  const print = (files: WrittenFile[]): void => {
    for (const f of files) ctx.io.stdout(`${f.path}\n    ${f.purpose}\n`);
  };

  const init = new Command('init')
    .description('Make a cluster CA in DIR: ca.crt (for everyone) and ca.key (0600, signs certificates). ECDSA P-256, valid 10 years.')
    .addOption(flag('--dir <dir>', 'where the CA goes (required)'))
    .action(async () => {
      const o = parseOptions(init, initSchema);
      // The X.509 library loads only here, not with every command.
      const { initCa } = await import('../certs/cluster-ca.js');
      print(await initCa(o.dir));
    });

  const issue = new Command('issue')
    .description('Issue a certificate signed by the CA in DIR, subject CN=NAME, OU=ROLE: DIR/ROLE-NAME.crt and .key (0600). ECDSA P-256, valid 1 year.')
    .addOption(flag('--dir <dir>', "the CA's directory, where the certificate goes (required)"))
    .addOption(flag('--role <role>', `what it is for: ${CERT_ROLES.join('|')} (required)`))
    .addOption(flag('--name <name>', "who it is (its CN): an agent's, framework's or operator's name, a master's host (required)"))
    .addOption(
      flag(
        '--host <h1,h2,...>',
        "host names and IPs the certificate is valid for (SANs); a master's must include every name clients dial it by (default for a master: localhost,127.0.0.1); an agent's or framework's makes it able to serve its HTTPS API under these names",
      ),
    )
    .action(async () => {
      const o = parseOptions(issue, issueSchema);
      const hosts =
        o.host === undefined
          ? undefined
          : o.host
              .split(',')
              .map((h) => h.trim())
              .filter((h) => h !== '');
      const { issueCert } = await import('../certs/cluster-ca.js');
      print(await issueCert({ dir: o.dir, role: o.role as CertRole, name: o.name, ...(hosts ? { hosts } : {}) }));
    });

  certs.addCommand(init);
  certs.addCommand(issue);
  for (const sub of [init, issue]) writeTo(sub, ctx.io);
  return certs;
}
