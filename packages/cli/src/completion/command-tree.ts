import type { Command } from 'commander';

/** One command of the program as completion needs it. */
export interface CommandNode {
  /** Names below the root, e.g. ['agents', 'gone']; [] for the root. */
  path: string[];
  description: string;
  /** Long and short flags, e.g. --master, -f. */
  flags: { name: string; description: string; takesValue: boolean }[];
  children: CommandNode[];
}

/** The program's commands and flags, read from commander (so completion stays true to it). */
export function commandTree(command: Command, path: string[] = []): CommandNode {
  const flags = command.options
    .filter((o) => !o.hidden)
    .flatMap((o) =>
      [o.long, o.short].filter((n): n is string => n !== undefined).map((name) => ({ name, description: o.description, takesValue: o.required || o.optional })),
    );
  flags.push({ name: '--help', description: 'display help', takesValue: false });
  const children = command.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden).map((c) => commandTree(c, [...path, c.name()]));
  // `tandem agents --master ...` runs the default subcommand (list): its flags are this command's too.
  const defaultName = (command as unknown as { _defaultCommandName?: string })._defaultCommandName;
  const byDefault = children.find((c) => c.path.at(-1) === defaultName);
  for (const f of byDefault?.flags ?? []) if (!flags.some((g) => g.name === f.name)) flags.push(f);
  return {
    path,
    description: command.description(),
    flags,
    children,
  };
}

/** Every node, depth first, the root first. */
export function allNodes(root: CommandNode): CommandNode[] {
  return [root, ...root.children.flatMap(allNodes)];
}
