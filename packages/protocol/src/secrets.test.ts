import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.js';
import { checkEnvSecrets, checkSecretSource, secretSourceProblem, secretSourcesOf } from './secrets.js';

describe('secret source names', () => {
  it('secrets - accepts file names of letters, digits, dot, underscore and dash', () => {
    for (const ok of ['db', 'db-password', 'a.b_c-1', '.hidden', 'x'.repeat(200)]) expect(secretSourceProblem(ok)).toBeUndefined();
  });

  it('secrets - refuses a slash, "..", other characters, empty and overlong names, naming the field', () => {
    for (const bad of ['', '.', '..', '../x', 'a/b', '/etc/passwd', 'a..b', 'a b', 'é', 'a\nb', 'x'.repeat(201)]) {
      expect(() => checkSecretSource('secrets.db.source', bad)).toThrow(ValidationError);
      expect(() => checkSecretSource('secrets.db.source', bad)).toThrow(/^secrets\.db\.source: /);
    }
    expect(secretSourceProblem(3)).toBe('must be a non-empty string');
  });

  it('secrets - an env var with a secret must not carry a value; sources are listed once', () => {
    const env = [
      { name: 'A', value: 'a', secret: '' },
      { name: 'B', value: '', secret: 'db' },
      { name: 'C', value: '', secret: 'db' },
    ];
    expect(() => checkEnvSecrets('command.environment', env)).not.toThrow();
    expect(secretSourcesOf(env)).toEqual(['db']);
    expect(() => checkEnvSecrets('command.environment', [{ name: 'B', value: 'v', secret: 'db' }])).toThrow(
      'command.environment[0].value: must be empty when the variable references a secret',
    );
    expect(() => checkEnvSecrets('command.environment', [{ name: 'B', secret: '../db' }])).toThrow(/^command\.environment\[0\]\.secret: /);
  });
});
