import { describe, expect, it } from 'vitest';
import { cliLogSettings } from './cli-logger.js';
import { buildProgram, commandPath } from './program.js';
import { captureIo, neverSignal } from './test-support/run-cli.js';

describe('CLI logging', () => {
  const settings = (command: string, more: { verbose?: boolean; stderrIsTTY?: boolean; envLevel?: string } = {}) =>
    cliLogSettings({ command, verbose: more.verbose ?? false, stderrIsTTY: more.stderrIsTTY ?? false, envLevel: more.envLevel });

  it('logging - servers log at info; client commands only errors unless -v; TANDEM_LOG_LEVEL wins; pretty only on a terminal', () => {
    for (const server of ['master', 'agent', 'up', 'apps serve', 'jobs serve']) expect(settings(server).level).toBe('info');
    for (const client of ['execute', 'apps deploy', 'jobs run', 'tasks', 'logs']) expect(settings(client).level).toBe('error');
    expect(settings('execute', { verbose: true }).level).toBe('info');
    expect(settings('execute', { envLevel: 'debug' }).level).toBe('debug');
    expect(settings('master', { stderrIsTTY: true }).pretty).toBe(true);
    expect(settings('master').pretty).toBe(false);
  });

  it('logging - a command path is its names below tandem', () => {
    const program = buildProgram({ io: captureIo(), setExitCode: () => {}, shutdownSignal: neverSignal });
    const apps = program.commands.find((c) => c.name() === 'apps');
    const deploy = apps?.commands.find((c) => c.name() === 'deploy');
    expect(deploy && commandPath(deploy)).toBe('apps deploy');
    expect(commandPath(program)).toBe('');
  });
});
