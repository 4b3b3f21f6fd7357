import { allNodes, type CommandNode } from './command-tree.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** `it's` -> `'it'\''s'`: one word for a POSIX shell. */
const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const firstLine = (s: string): string => (s.split('\n')[0] ?? '').slice(0, 90);
const key = (n: CommandNode): string => n.path.join(' ');
/** The words a node completes: its subcommands, then its flags. */
const words = (n: CommandNode): string[] => [...n.children.map((c) => c.path.at(-1) ?? ''), ...n.flags.map((f) => f.name)];

/**
 * The completion script for `shell`, for `source <(tandem completion bash)`, zsh's
 * `source <(tandem completion zsh)`, fish's `tandem completion fish | source`.
 */
export function completionScript(shell: Shell, root: CommandNode, bin = 'tandem'): string {
  if (shell === 'bash') return bashScript(root, bin);
  if (shell === 'zsh') return zshScript(root, bin);
  return fishScript(root, bin);
}

/** Shell `case` arms: the command path -> the words it completes. */
function caseArms(root: CommandNode, indent: string): string {
  return allNodes(root)
    .map((n) => `${indent}${quote(key(n))}) words=${quote(words(n).join(' '))} ;;`)
    .join('\n');
}

/** The known command paths, as one `case` pattern. */
function pathPattern(root: CommandNode): string {
  return allNodes(root)
    .filter((n) => n.path.length > 0)
    .map((n) => quote(key(n)))
    .join('|');
}

/** Flags that take a value, so the word after them is not a subcommand. */
function valueFlags(root: CommandNode): string {
  const names = new Set(allNodes(root).flatMap((n) => n.flags.filter((f) => f.takesValue).map((f) => f.name)));
  return [...names].sort().join('|');
}

function bashScript(root: CommandNode, bin: string): string {
  const fn = `_${bin.replace(/\W/g, '_')}_complete`;
  return `# ${bin} completion for bash: source <(${bin} completion bash)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" cmdpath="" next="" skip="" w words=""
  for w in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    if [[ -n "$skip" ]]; then skip=""; continue; fi
    case "$w" in
      ${valueFlags(root)}) skip=1; continue ;;
      -*) continue ;;
    esac
    next="\${cmdpath:+$cmdpath }$w"
    case "$next" in
      ${pathPattern(root)}) cmdpath="$next" ;;
    esac
  done
  case "$cmdpath" in
${caseArms(root, '    ')}
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -o default -F ${fn} ${bin}
`;
}

function zshScript(root: CommandNode, bin: string): string {
  const fn = `_${bin.replace(/\W/g, '_')}`;
  return `#compdef ${bin}
# ${bin} completion for zsh: source <(${bin} completion zsh)
${fn}() {
  local cmdpath="" next="" skip="" w words=""
  for w in "\${(@)words[2,CURRENT-1]}"; do
    if [[ -n "$skip" ]]; then skip=""; continue; fi
    case "$w" in
      ${valueFlags(root)}) skip=1; continue ;;
      -*) continue ;;
    esac
    next="\${cmdpath:+$cmdpath }$w"
    case "$next" in
      ${pathPattern(root)}) cmdpath="$next" ;;
    esac
  done
  local choices=""
  case "$cmdpath" in
${caseArms(root, '    ').replace(/\) words=/g, ') choices=')}
  esac
  compadd -- \${=choices}
}
compdef ${fn} ${bin}
`;
}

function fishScript(root: CommandNode, bin: string): string {
  const lines = [`# ${bin} completion for fish: ${bin} completion fish | source`, `complete -c ${bin} -f`];
  for (const n of allNodes(root)) {
    // Fish sees which words came: a command at depth d is offered after its parent's path, before any of its siblings.
    const seen = n.path.map((p) => `__fish_seen_subcommand_from ${p}`);
    const siblings = n.children.map((c) => c.path.at(-1) ?? '').join(' ');
    const here = n.path.length === 0 ? '__fish_use_subcommand' : [...seen, ...(siblings ? [`not __fish_seen_subcommand_from ${siblings}`] : [])].join('; and ');
    for (const c of n.children) {
      lines.push(`complete -c ${bin} -n ${quote(here)} -a ${quote(c.path.at(-1) ?? '')} -d ${quote(firstLine(c.description))}`);
    }
    const flagCondition = n.path.length === 0 ? '__fish_use_subcommand' : seen.join('; and ');
    for (const f of n.flags) {
      const name = f.name.startsWith('--') ? `-l ${f.name.slice(2)}` : `-s ${f.name.slice(1)}`;
      lines.push(`complete -c ${bin} -n ${quote(flagCondition)} ${name}${f.takesValue ? ' -r' : ''} -d ${quote(firstLine(f.description))}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
