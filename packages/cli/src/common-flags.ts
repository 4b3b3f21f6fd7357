import { DEFAULT_CALL_LIMITS } from '@tandem/master/defaults';
import { DEFAULT_HTTP_RATE_LIMIT, MAX_GRPC_MESSAGE_BYTES } from '@tandem/protocol/defaults';
import type { Command, Option } from 'commander';
import { flag } from './flag-option.js';

/*
 * The flags several commands share: names, env vars, defaults and help text only, so the
 * command tree (--help, completion) loads nothing heavy. Reading them (zod schemas, files,
 * the protocol's parsers) is in the *-flags.ts modules a command's action loads.
 */

const TLS_FLAGS = { cert: '--tls-cert', key: '--tls-key', ca: '--tls-ca' } as const;
/** The lease ttl in seconds (DEFAULT_LEASE_TTL_MS of @tandem/store, kept here so `--help` loads nothing). */
export const DEFAULT_LEASE_TTL_SECONDS = 10;
const rateText = (r: { count: number; perMs: number }): string => `${r.count}/${r.perMs % 1000 === 0 ? `${r.perMs / 1000}s` : `${r.perMs}ms`}`;

/**
 * `--tls-cert`, `--tls-key`, `--tls-ca` (TANDEM_TLS_*): mutual TLS on the gRPC links, all
 * three or none; `serves`: the process's HTTP API then serves HTTPS only with them.
 */
export function addTlsFlags(cmd: Command, whose: string, serves = false): Command {
  const https = serves ? '; its HTTP API then serves HTTPS only (the certificate needs its host names: tandem certs issue --host)' : '';
  return cmd
    .addOption(
      flag(
        `${TLS_FLAGS.cert} <file>`,
        `${whose}'s certificate (PEM, from \`tandem certs issue\`): mutual TLS to the masters, never plaintext; with --tls-key and --tls-ca${https}`,
      ),
    )
    .addOption(flag(`${TLS_FLAGS.key} <file>`, `the private key of --tls-cert (PEM)`))
    .addOption(flag(`${TLS_FLAGS.ca} <file>`, 'the cluster CA (ca.crt from `tandem certs init`) that every certificate must be signed by'));
}

/**
 * The high-availability flags of every component that can run as several processes on
 * one NATS store (master, apps, jobs): where the state lives, how many copies the bucket
 * keeps, how others reach this process, and the lease.
 */
export function addHaFlags(cmd: Command, what: string): Command {
  return cmd
    .addOption(
      flag(
        '--store <url>',
        `where ${what} keeps its state: file:DIR (one process; the default is the work dir), or nats://h1:4222,h2:4222,h3:4222 (several processes, one leading), or tls://h1:4222,... (NATS over TLS: the servers are checked against --tls-ca, --tls-cert is presented); credentials may lead the servers (nats://user:password@h1,... or nats://TOKEN@h1), better in --store-credentials`,
      ),
    )
    .addOption(
      flag(
        '--store-credentials <file>',
        "a file holding the NATS store's credentials, one line: user:password, or a token (the server's authorization block); unlike the URL, not shown by ps",
      ),
    )
    .addOption(
      flag('--store-replicas <n>', 'copies of a NATS bucket when it is created (default: 3 when 3 or more servers are named, else 1; production: >= 3)'),
    )
    .addOption(
      flag(
        '--advertise-host <host>',
        "the host name other processes and clients reach this one by (default: --host, or the machine's hostname when it is 0.0.0.0)",
      ),
    )
    .addOption(flag('--lease-ttl <seconds>', 'with a NATS store: how long the leader holds its lease without renewing it', DEFAULT_LEASE_TTL_SECONDS));
}

/** `--apps-url URL`, `--jobs-url URL`: the apps and jobs APIs the master's web UI shows (through the master). */
export function addUiLinksFlags(cmd: Command): Command {
  return cmd
    .addOption(flag('--apps-url <url>', 'the apps (Marathon) API the web UI shows, e.g. http://apps.example:8080 (default: no apps page)'))
    .addOption(flag('--jobs-url <url>', 'the jobs (Metronome) API the web UI shows, e.g. http://jobs.example:8090 (default: no jobs page)'));
}

/** `--cors-origin ORIGIN[,ORIGIN...]` (TANDEM_CORS_ORIGIN): CORS on an HTTP API, off unless given. */
export function addCorsFlag(cmd: Command): Command {
  return cmd.addOption(
    flag(
      '--cors-origin <origins>',
      'let browser pages from these origins call the HTTP API (CORS), e.g. https://ui.example[,https://b.example] or * (default: off)',
    ),
  );
}

/** `--acls FILE` (TANDEM_ACLS): the ACLs a server checks (JSON or YAML). */
export function addAclsFlag(cmd: Command, what: string): Command {
  return cmd.addOption(
    flag(
      '--acls <file>',
      `ACLs (JSON or YAML, Mesos' vocabulary) on ${what}; first matching rule wins; "permissive": false denies what no rule allows (default: no ACLs)`,
    ),
  );
}

/** `--credentials FILE` (TANDEM_CREDENTIALS): the principals and secrets the master accepts on its gRPC port. */
export function addCredentialsFlag(cmd: Command): Command {
  return cmd.addOption(
    flag(
      '--credentials <file>',
      'principals and secrets gRPC clients may authenticate with (one "principal secret" a line, or Mesos\' JSON {"credentials": [...]}); with it, or with TLS, every call must prove a principal',
    ),
  );
}

/** `--credential FILE` (TANDEM_CREDENTIAL): a client's principal and secret, sent with every gRPC call to the masters. */
export function addCredentialFlag(cmd: Command, whose: string): Command {
  return cmd.addOption(
    flag(
      '--credential <file>',
      `${whose}'s principal and secret for the masters (one line "principal secret" or "principal:secret", or Mesos' JSON credentials file with one entry)`,
    ),
  );
}

/** `--tls-cert/--tls-key/--tls-ca` and `--credential` on a client command. */
export function addClientAuthFlags(cmd: Command, whose: string): Command {
  return addCredentialFlag(addTlsFlags(cmd, whose), whose);
}

/** `--http-credentials` (TANDEM_HTTP_CREDENTIALS), `--http-credentials-file`, `--http-tokens-file`. */
export function addHttpAuthFlags(cmd: Command, api = 'the REST API', openPath = '/ping'): Command {
  return cmd
    .addOption(
      flag(
        '--http-credentials <user:pass,...>',
        `Basic credentials ${api} requires (Marathon's --http_credentials); any of these flags makes every path but ${openPath} need credentials`,
      ),
    )
    .addOption(flag('--http-credentials-file <file>', 'a file of Basic credentials, one user:pass a line (better for secrets than the flag)'))
    .addOption(flag('--http-tokens-file <file>', 'a file of bearer tokens, one "principal token" a line'));
}

/** A client's `--http-credentials user:pass` (TANDEM_HTTP_CREDENTIALS): what the apps and jobs commands send. */
export function clientCredentialsFlag(cmd: Command): Command {
  return cmd.addOption(flag('--http-credentials <user:pass>', 'Basic credentials to send to the REST API'));
}

/**
 * `--tls-ca` (and optionally `--tls-cert`/`--tls-key`) on a client of an HTTPS API (apps,
 * jobs): the API's URL must then be `https://` (the default URL becomes so); the server's
 * certificate is checked against the CA and the host name. A client certificate proves its
 * principal to the API, as credentials do.
 */
export function addHttpClientTlsFlags(cmd: Command): Command {
  return cmd
    .addOption(flag('--tls-ca <file>', "the cluster CA (ca.crt) the API's HTTPS certificate must be signed by; the URL must then be https://"))
    .addOption(flag('--tls-cert <file>', 'a client certificate to present to the API (with --tls-key; optional: credentials also do)'))
    .addOption(flag('--tls-key <file>', 'the private key of --tls-cert'));
}

/** The limits against denial of service of `tandem master` (MasterOptions.limits), with their defaults in --help. */
export function addLimitFlags(cmd: Command): Command {
  const d = DEFAULT_CALL_LIMITS;
  return cmd
    .addOption(
      flag(
        '--rate-limit <N/DURATION|off>',
        'gRPC calls (Scheduler.Call, Operator.*) per principal (per host when anonymous); more are refused RESOURCE_EXHAUSTED with a retry-after-ms trailer',
        rateText(d.callRate),
      ),
    )
    .addOption(flag('--rate-burst <n>', 'calls a principal may make at once above --rate-limit', d.callRate.burst))
    .addOption(
      flag(
        '--stream-rate-limit <N/DURATION|off>',
        'gRPC streams opened (agents connecting, frameworks subscribing, watches) per principal (per host when anonymous)',
        rateText(d.streamRate),
      ),
    )
    .addOption(flag('--stream-burst <n>', 'streams a principal may open at once above --stream-rate-limit', d.streamRate.burst))
    .addOption(flag('--max-streams-per-principal <n>', 'gRPC streams one principal (or anonymous host) may hold open at once', d.maxStreams))
    .addOption(flag('--max-agents-per-principal <n>', 'agents one principal (or anonymous host) may have connected at once', d.maxAgents))
    .addOption(flag('--max-frameworks-per-principal <n>', 'frameworks one principal (or anonymous host) may have subscribed at once', d.maxFrameworks))
    .addOption(httpRateFlags('/health')[0] as Option)
    .addOption(httpRateFlags('/health')[1] as Option)
    .addOption(
      flag('--max-message-bytes <n>', 'largest gRPC message the master receives or sends; a larger one is RESOURCE_EXHAUSTED', MAX_GRPC_MESSAGE_BYTES),
    );
}

/** `--http-rate-limit` and `--http-rate-burst` of an HTTP API whose health path is `health`. */
export function httpRateFlags(health: string): [Option, Option] {
  return [
    flag(
      '--http-rate-limit <N/DURATION|off>',
      `HTTP API requests per principal (per IP address when anonymous); more are 429 with Retry-After; ${health} is exempt`,
      rateText(DEFAULT_HTTP_RATE_LIMIT),
    ),
    flag('--http-rate-burst <n>', 'HTTP requests a client may send at once above --http-rate-limit', DEFAULT_HTTP_RATE_LIMIT.burst),
  ];
}

/** `--nats URL` and `--nats-credentials FILE`, on `tandem master` and `tandem up`. */
export function addNatsEventsFlags(cmd: Command): Command {
  return cmd
    .addOption(
      flag(
        '--nats <url>',
        'publish every cluster event (task_added, task_updated, agent_added, agent_removed, agent_unreachable, framework_added, framework_removed, ...) as JSON on the NATS subjects tandem.events.<kind>: nats://h1:4222[,h2:4222] or tls://... (TLS with --tls-ca/--tls-cert/--tls-key, as --store); credentials as in --store (nats://user:password@h1, better --nats-credentials). Not implied by a NATS --store: give the same URL to use the same servers. The master never waits for NATS: events it cannot hand over are dropped and counted (tandem_master_events_dropped_total)',
      ),
    )
    .addOption(flag('--nats-credentials <file>', "a file holding --nats' credentials, one line: user:password, or a token (as --store-credentials)"));
}
