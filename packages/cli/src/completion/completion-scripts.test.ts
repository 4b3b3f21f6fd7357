import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../test-support/run-cli.js';

const has = (shell: string): boolean => spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;

async function script(shell: string): Promise<string> {
  const r = await runCli('completion', shell);
  expect(r.code, r.err).toBe(0);
  const file = join(mkdtempSync(join(tmpdir(), 'tandem-completion-')), `tandem.${shell}`);
  writeFileSync(file, r.out);
  return file;
}

/** What bash completes after `words` (the last one being completed), with the script loaded. */
function bashCompletes(file: string, ...words: string[]): string[] {
  const quoted = ['tandem', ...words].map((w) => `'${w}'`).join(' ');
  const out = execFileSync(
    'bash',
    ['-c', `source <(cat '${file}'); COMP_WORDS=(${quoted}); COMP_CWORD=${words.length}; _tandem_complete; printf '%s\\n' "\${COMPREPLY[@]}"`],
    { encoding: 'utf8' },
  );
  return out.split('\n').filter(Boolean);
}

describe('tandem completion', () => {
  it('completion - the bash script loads (complete -p tandem) and completes commands, subcommands and flags from the program', async () => {
    const file = await script('bash');
    expect(execFileSync('bash', ['-c', `source <(cat '${file}'); complete -p tandem`], { encoding: 'utf8' })).toBe(
      'complete -o default -F _tandem_complete tandem\n',
    );
    expect(bashCompletes(file, 'ta')).toEqual(['tasks']);
    expect(bashCompletes(file, 'agents', '')).toEqual(expect.arrayContaining(['list', 'gone', '--master', '--json', '--watch']));
    expect(bashCompletes(file, 'tasks', '--st')).toEqual(['--state']);
    // A flag's value is not taken for a subcommand: `--master x` then `lo` is still a command.
    expect(bashCompletes(file, '--verbose', 'logs', '--master', 'list', '-')).toEqual(expect.arrayContaining(['--follow', '-f', '--stderr']));
    expect(bashCompletes(file, 'completion', '')).toEqual(['--help']);
  });

  it.skipIf(!has('zsh'))('completion - the zsh script parses and registers its function', async () => {
    const file = await script('zsh');
    // compdef stubbed (compinit is slow): the script registers _tandem for tandem, and the function parses.
    const out = execFileSync('zsh', ['-c', `compdef() { print -r -- "$*" }; source '${file}'; whence -w _tandem`], { encoding: 'utf8' });
    expect(out).toBe('_tandem tandem\n_tandem: function\n');
  });

  it.skipIf(!has('fish'))('completion - the fish script loads and completes subcommands', async () => {
    const file = await script('fish');
    const out = execFileSync('fish', ['-c', `source '${file}'; complete -C 'tandem agents '`], { encoding: 'utf8' });
    expect(out.split('\n').map((l) => l.split('\t')[0])).toEqual(expect.arrayContaining(['list', 'gone']));
  });

  it('completion - an unknown shell is refused naming the choices', async () => {
    const r = await runCli('completion', 'tcsh');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/'tcsh' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish/);
  });
});
