import { ValidationError } from '@tandem/protocol';

/** One test on an app's labels; the label must exist for any of them to match (as in Marathon). */
export type LabelTest = { key: string; op: 'exists' } | { key: string; op: '==' | '!='; value: string } | { key: string; op: 'in' | 'notin'; values: string[] };

/** What `?label=` asks: every test must hold (comma-separated selectors are an AND). */
export interface LabelSelector {
  tests: LabelTest[];
  matches(labels: Readonly<Record<string, string>>): boolean;
}

/** Thrown inside the parser with the position it stopped at. */
class SelectorSyntax extends Error {}

/**
 * Marathon's label selector language (`GET /v2/apps?label=`):
 *
 *     selectors: selector {"," selector}
 *     selector:  term ("==" | "!=") term | term ("in" | "notin") "(" [term {"," term}] ")" | term
 *     term:      one or more of A-Za-z0-9 or "\" followed by any character (the character itself)
 *
 * Whitespace between tokens is ignored. `team==web`, `team != web`, `env in (prod, qa)`,
 * `tier notin (a,b)`, `canary` (the label exists), `a==b, c` (both). An empty selector
 * matches every app. Anything else is a 422 naming `label` and where parsing stopped.
 */
export function parseLabelSelector(text: string): LabelSelector {
  let at = 0;
  const skip = (): void => {
    while (at < text.length && /\s/.test(text[at]!)) at += 1;
  };
  const fail = (what: string): never => {
    throw new SelectorSyntax(`${what} at position ${at}${at < text.length ? ` ('${text.slice(at, at + 10)}')` : ' (the end)'}`);
  };
  const peek = (word: string): boolean => {
    skip();
    return text.startsWith(word, at);
  };
  const eat = (word: string): boolean => {
    if (!peek(word)) return false;
    at += word.length;
    return true;
  };
  const term = (): string => {
    skip();
    let out = '';
    while (at < text.length) {
      const c = text[at]!;
      if (c === '\\' && at + 1 < text.length) {
        out += text[at + 1];
        at += 2;
      } else if (/[A-Za-z0-9]/.test(c)) {
        out += c;
        at += 1;
      } else break;
    }
    if (out === '') fail('expected a label or value (letters and digits; escape any other character with \\)');
    return out;
  };
  const setOp = (): 'in' | 'notin' | undefined => {
    skip();
    // An operator word, not the start of a term: `in(` or `in ` (a key named `index` is not `in`).
    for (const op of ['notin', 'in'] as const) {
      if (text.startsWith(op, at) && !/[A-Za-z0-9\\]/.test(text[at + op.length] ?? '')) {
        at += op.length;
        return op;
      }
    }
    return undefined;
  };
  const selector = (): LabelTest => {
    const key = term();
    if (eat('==')) return { key, op: '==', value: term() };
    if (eat('!=')) return { key, op: '!=', value: term() };
    const op = setOp();
    if (op) {
      if (!eat('(')) fail(`expected "(" after ${op}`);
      const values: string[] = [];
      if (!eat(')')) {
        do values.push(term());
        while (eat(','));
        if (!eat(')')) fail('expected "," or ")" in the set');
      }
      return { key, op, values };
    }
    return { key, op: 'exists' };
  };

  const tests: LabelTest[] = [];
  try {
    skip();
    if (at < text.length) {
      do tests.push(selector());
      while (eat(','));
      skip();
      if (at < text.length) fail('expected "," between selectors, or ==, !=, in, notin after a label');
    }
  } catch (err) {
    if (err instanceof SelectorSyntax) throw new ValidationError('label', `Can not parse label selector ${JSON.stringify(text)}: ${err.message}`);
    throw err;
  }
  return { tests, matches: (labels) => tests.every((t) => holds(t, labels)) };
}

function holds(t: LabelTest, labels: Readonly<Record<string, string>>): boolean {
  if (!Object.hasOwn(labels, t.key)) return false;
  const v = labels[t.key]!;
  switch (t.op) {
    case 'exists':
      return true;
    case '==':
      return v === t.value;
    case '!=':
      return v !== t.value;
    case 'in':
      return t.values.includes(v);
    case 'notin':
      return !t.values.includes(v);
  }
}
