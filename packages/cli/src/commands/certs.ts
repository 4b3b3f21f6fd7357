import { Command } from 'commander';
import { CERT_ROLES } from '../certs/cert-roles.js';
import { writeTo } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { flag } from '../flag-option.js';
import { lazy } from '../lazy-action.js';

// The X.509 library loads only when a certs command runs.
const actions = () => import('./certs-action.js');

/** `tandem certs init` (a cluster CA) and `tandem certs issue` (a certificate signed by it). */
export function certsCommand(ctx: CommandContext): Command {
  const certs = new Command('certs').description('A cluster CA and the certificates of masters, agents, frameworks and operators (mutual TLS).');
  const init: Command = new Command('init')
    .description('Make a cluster CA in DIR: ca.crt (for everyone) and ca.key (0600, signs certificates). ECDSA P-256, valid 10 years.')
    .addOption(flag('--dir <dir>', 'where the CA goes (required)'))
    .action(lazy(actions, (m) => m.initCaCommand(ctx, init)));

  const issue: Command = new Command('issue')
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
    .action(lazy(actions, (m) => m.issueCertCommand(ctx, issue)));

  certs.addCommand(init);
  certs.addCommand(issue);
  for (const sub of [init, issue]) writeTo(sub, ctx.io);
  return certs;
}
