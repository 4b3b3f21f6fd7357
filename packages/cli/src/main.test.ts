import { afterEach, describe, expect, it } from 'vitest';
import { envName } from './flag-option.js';
import { buildProgram } from './program.js';
import { captureIo, neverSignal, runCli } from './test-support/run-cli.js';

const run = runCli;

const FLAGS: Record<string, string[]> = {
  master: [
    '--host',
    '--port',
    '--http-port',
    '--work-dir',
    '--agent-ping-interval',
    '--max-missed-pings',
    '--agent-reregister-timeout',
    '--offer-timeout',
    '--allocation-interval',
    '--weights',
    '--acls',
    '--credentials',
  ],
  agent: ['--master', '--port', '--work-dir', '--hostname', '--containerizers', '--resources', '--attributes', '--credential'],
  execute: ['--master', '--image', '--cpus', '--mem', '--disk', '--env', '--name', '--grace-period', '--timeout', '--credential'],
  up: ['--work-dir', '--port', '--http-port', '--bind', '--agent-http-port', '--keep-tasks'],
  state: ['--master', '--credential'],
  logs: ['--master', '--stderr', '--follow', '--credential'],
  tasks: ['--master', '--json', '--watch', '--state', '--framework', '--agent', '--all', '--credential'],
  roles: ['--master', '--json', '--watch'],
  top: ['--master', '--once', '--json', '--frameworks', '--credential'],
};

const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (k.startsWith('TANDEM_') && !(k in saved)) delete process.env[k];
});

describe('tandem CLI', () => {
  for (const [command, flags] of Object.entries(FLAGS)) {
    it(`cli - ${command} --help documents every flag, its env var and default`, async () => {
      const { code, out } = await run(command, '--help');
      expect(code).toBe(0);
      for (const f of flags) {
        expect(out).toContain(f);
        expect(out.replace(/\s+/g, ' ')).toContain(envName(f));
      }
      const cmd = buildProgram({ io: captureIo(), setExitCode: () => {}, shutdownSignal: neverSignal }).commands.find((c) => c.name() === command);
      for (const option of cmd?.options ?? []) {
        expect(option.description.length).toBeGreaterThan(10);
        if (option.defaultValue !== undefined)
          expect(out.replace(/\s+/g, ' ')).toContain(`default: ${String(option.defaultValueDescription ?? option.defaultValue)}`);
      }
    });
  }

  it('cli - master defaults follow the design brief', async () => {
    const { out } = await run('master', '--help');
    const flat = out.replace(/\s+/g, ' ');
    expect(flat).toContain('default: 5050');
    expect(flat).toContain('default: 5051');
    expect(flat).toContain('default: ./.tandem/master');
  });

  it('cli - a bad flag value is an error naming the flag and its env var', async () => {
    const r = await run('master', '--port', 'abc');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--port \(TANDEM_PORT\): must be an integer from 0 to 65535, got "abc"/);
    expect((await run('master', '--max-missed-pings', '0')).err).toMatch(/--max-missed-pings/);
    expect((await run('master', '--agent-reregister-timeout', '0')).err).toMatch(/--agent-reregister-timeout .*positive/);
    expect((await run('master', '--offer-timeout', '-1')).err).toMatch(/--offer-timeout .*must not be negative/);
  });

  it('cli - flags are read from TANDEM_<FLAG> env vars and validated the same way', async () => {
    process.env.TANDEM_HTTP_PORT = '70000';
    const r = await run('master');
    expect(r.code).toBe(1);
    expect(r.err).toContain('--http-port (TANDEM_HTTP_PORT): must be an integer from -1 to 65535, got "70000"');
  });

  it('cli - agent needs --master and knows only docker and process containerizers', async () => {
    expect((await run('agent')).err).toMatch(/--master \(TANDEM_MASTER\): is required/);
    expect((await run('agent', '--master', 'nohostport')).err).toMatch(/--master .*host:port/);
    const r = await run('agent', '--master', '127.0.0.1:5050', '--containerizers', 'docker,lxc');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--containerizers \(TANDEM_CONTAINERIZERS\): .*docker, process/);
  });

  it('cli - --master takes a list, checks each entry naming the flag, and says so in --help', async () => {
    const r = await run('state', '--master', '127.0.0.1:5050,nohost:');
    expect(r.code).toBe(1);
    expect(r.err).toContain('--master (TANDEM_MASTER): "nohost:" (entry 2 of 2) is not host:port (port 1-65535), got "127.0.0.1:5050,nohost:"');
    expect((await run('weights', 'get', '--master', 'h1:5050,,h2:5050')).err).toContain('an empty entry (entry 2 of 3)');
    const help =
      buildProgram({ io: captureIo(), setExitCode: () => {}, shutdownSignal: neverSignal })
        .commands.find((c) => c.name() === 'state')
        ?.helpInformation() ?? '';
    expect(help.replace(/\s+/g, ' ')).toContain("--master <host:port,...> the masters' gRPC addresses, host:port[,host:port...]");
  });

  it('cli - execute validates its flags and needs a command', async () => {
    expect((await run('execute', '--master', '127.0.0.1:1', '--cpus', '0', '--', 'true')).err).toMatch(/--cpus .*positive/);
    expect((await run('execute', '--master', '127.0.0.1:1', '--env', 'no-equals', '--', 'true')).err).toMatch(/--env .*NAME=VALUE/);
    const r = await run('execute', '--master', '127.0.0.1:1');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/give the command after --/);
  });

  it('cli - an unknown option is a usage error', async () => {
    const r = await run('master', '--bogus');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/unknown option '--bogus'/);
  });

  it('cli - apps serve takes the service port range (--local-port-min/--local-port-max) and refuses an empty one', async () => {
    const help = await run('apps', 'serve', '--help');
    expect(help.out.replace(/\s+/g, ' ')).toMatch(/--local-port-min <port>.*default: 10000, env: TANDEM_LOCAL_PORT_MIN/);
    expect(help.out.replace(/\s+/g, ' ')).toMatch(/--local-port-max <port>.*default: 20000, env: TANDEM_LOCAL_PORT_MAX/);
    const empty = await run('apps', 'serve', '--master', '127.0.0.1:1', '--local-port-min', '20000', '--local-port-max', '10000');
    expect(empty.code).toBe(1);
    expect(empty.err).toMatch(/--local-port-max \(TANDEM_LOCAL_PORT_MAX\): must be greater than --local-port-min/);
    const zero = await run('apps', 'serve', '--master', '127.0.0.1:1', '--local-port-min', '0');
    expect(zero.err).toMatch(/--local-port-min \(TANDEM_LOCAL_PORT_MIN\): must be an integer from 1 to 65535/);
  });

  it('cli - apps serve takes --maintenance-lead as a duration (default 10m) and refuses a bad one naming the flag', async () => {
    const help = await run('apps', 'serve', '--help');
    expect(help.out.replace(/\s+/g, ' ')).toMatch(/--maintenance-lead <duration>.*default: 10m, env: TANDEM_MAINTENANCE_LEAD/);
    const bad = await run('apps', 'serve', '--master', '127.0.0.1:1', '--maintenance-lead', 'soon');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--maintenance-lead \(TANDEM_MAINTENANCE_LEAD\): must be a duration/);
  });

  it('cli - apps serve and jobs serve take the HA flags; a bad --store names the flag, and a NATS store that does not answer fails the start', async () => {
    for (const command of ['apps', 'jobs']) {
      const help = (await run(command, 'serve', '--help')).out.replace(/\s+/g, ' ');
      for (const f of ['--store <url>', '--store-replicas <n>', '--advertise-host <host>']) expect(help).toContain(f);
      expect(help).toMatch(/--lease-ttl <seconds>.*default: 10, env: TANDEM_LEASE_TTL/);
      const bad = await run(command, 'serve', '--master', '127.0.0.1:1', '--store', 'redis://x');
      expect(bad.code).toBe(1);
      expect(bad.err).toContain("--store (TANDEM_STORE): 'redis://x' is neither file:DIR nor nats://host:port");
      const away = await run(command, 'serve', '--master', '127.0.0.1:1', '--port', '0', '--host', '127.0.0.1', '--store', 'nats://127.0.0.1:1');
      expect(away.code).toBe(1);
      expect(away.err).toMatch(new RegExp(`store nats:tandem-${command}: cannot connect to nats://127\\.0\\.0\\.1:1`));
    }
  });

  it('cli - apps serve and jobs serve take --max-body-bytes (1 MiB by default) and refuse a limit below 1 byte', async () => {
    for (const command of ['apps', 'jobs']) {
      const help = await run(command, 'serve', '--help');
      expect(help.out.replace(/\s+/g, ' ')).toMatch(/--max-body-bytes <bytes>.*default: 1048576, env: TANDEM_MAX_BODY_BYTES/);
      const zero = await run(command, 'serve', '--master', '127.0.0.1:1', '--max-body-bytes', '0');
      expect(zero.code).toBe(1);
      expect(zero.err).toMatch(/--max-body-bytes \(TANDEM_MAX_BODY_BYTES\): must be a whole number of bytes >= 1, got "0"/);
    }
  });
});
