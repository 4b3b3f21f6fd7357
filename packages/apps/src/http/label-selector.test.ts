import { ValidationError } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { parseLabelSelector } from './label-selector.js';
import { flagOf } from './route-context.js';

const web = { team: 'web', env: 'prod' };
const db = { team: 'db', env: 'qa', canary: '' };
const bare = {};
const pick = (selector: string): string[] =>
  Object.entries({ web, db, bare })
    .filter(([, labels]) => parseLabelSelector(selector).matches(labels))
    .map(([name]) => name);

describe('label selector', () => {
  it('label-selector - ==, !=, in, notin and existence, as Marathon: a test on a label the app lacks never holds', () => {
    expect(pick('team==web')).toEqual(['web']);
    expect(pick('team != web')).toEqual(['db']);
    expect(pick('env in (prod, qa)')).toEqual(['web', 'db']);
    expect(pick('env in (prod)')).toEqual(['web']);
    expect(pick('env notin (prod)')).toEqual(['db']);
    expect(pick('env in ()')).toEqual([]);
    expect(pick('canary')).toEqual(['db']);
    expect(pick('team')).toEqual(['web', 'db']);
    expect(pick('')).toEqual(['web', 'db', 'bare']);
  });

  it('label-selector - comma-separated selectors are an AND; escaped characters are themselves', () => {
    expect(pick('team, env==qa')).toEqual(['db']);
    expect(pick('env in (prod,qa),team!=db')).toEqual(['web']);
    expect(parseLabelSelector('a\\.b==x\\-y').matches({ 'a.b': 'x-y' })).toBe(true);
    expect(parseLabelSelector('index').matches({ index: '1' })).toBe(true);
    expect(parseLabelSelector('in in (in)').matches({ in: 'in' })).toBe(true);
  });

  it('label-selector - a selector that does not parse is a 422 naming label and where it stopped', () => {
    for (const bad of ['team==', 'team=web', 'env in prod', 'env in (prod', 'a b', 'team==web,', 'a.b==c']) {
      const err = (() => {
        try {
          parseLabelSelector(bad);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err, bad).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).details[0]?.path, bad).toBe('label');
      expect((err as ValidationError).message, bad).toMatch(/Can not parse label selector .* at position \d+/);
    }
  });
});

describe('query flags', () => {
  it('route-context - flagOf reads true/false in any case, 1/0 and a bare flag; anything else is a 400 naming it', () => {
    for (const yes of ['true', 'True', 'TRUE', ' tRuE ', '1', '']) expect(flagOf({ force: yes }, 'force'), yes).toBe(true);
    for (const no of ['false', 'False', 'FALSE', '0']) expect(flagOf({ force: no }, 'force'), no).toBe(false);
    expect(flagOf({}, 'force')).toBe(false);
    expect(flagOf({ scale: ['TRUE', 'false'] }, 'scale')).toBe(true);
    expect(() => flagOf({ force: 'yes' }, 'force')).toThrow(/^force: "yes" is not a boolean/);
  });
});
