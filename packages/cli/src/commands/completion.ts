import { Argument, Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { commandTree } from '../completion/command-tree.js';
import { completionScript, SHELLS, type Shell } from '../completion/completion-scripts.js';

/** `tandem completion bash|zsh|fish`: the shell completion script, made from the program's own commands and flags. */
export function completionCommand(ctx: CommandContext, program: () => Command): Command {
  return new Command('completion')
    .description(
      "Print a shell completion script: bash `source <(tandem completion bash)`, zsh `source <(tandem completion zsh)`, fish `tandem completion fish | source` (put the line in your shell's rc file).",
    )
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .action((shell: Shell) => {
      ctx.io.stdout(completionScript(shell, commandTree(program())));
    });
}
