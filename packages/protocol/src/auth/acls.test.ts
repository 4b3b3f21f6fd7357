import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import { Acls, globMatch, parseAcls } from './acls.js';

const example = JSON.stringify({
  permissive: false,
  register_frameworks: [
    { principals: { values: ['framework/banned'] }, roles: { type: 'NONE' } },
    { principals: { values: ['framework/apps'] }, roles: { values: ['web', 'web/*'] } },
    { principals: { values: ['framework/*'] }, roles: { values: ['batch'] } },
  ],
  kill_tasks: [
    { principals: { values: ['operator/alice'] }, framework_principals: { type: 'ANY' } },
    { principals: { values: ['framework/*'] }, framework_principals: { values: ['$self'] } },
  ],
  run_images: [{ principals: { type: 'ANY' }, images: { values: ['busybox:*'] } }],
  deploy_apps: [{ principals: { values: ['alice'] }, groups: { values: ['/team-a', '/shared/*'] } }],
});

describe('acls', () => {
  it('acls - globs: * matches any run of characters, everything else is literal', () => {
    expect(globMatch('agent/*', 'agent/a1')).toBe(true);
    expect(globMatch('agent/*', 'agent/')).toBe(true);
    expect(globMatch('agent/*', 'agents/a1')).toBe(false);
    expect(globMatch('web', 'web/x')).toBe(false);
    expect(globMatch('a.b', 'axb')).toBe(false);
    expect(globMatch('busybox:*', 'busybox:1.36')).toBe(true);
    expect(globMatch('*', '')).toBe(true);
  });

  it('acls - the first rule whose principals match decides; NONE denies; globs on both sides', () => {
    const acls = parseAcls(example, 'acls.json');
    // The first rule applies to framework/banned and gives it NONE, though rule [2] would allow batch.
    expect(acls.decide('register_frameworks', 'framework/banned', 'batch')).toMatchObject({ allowed: false, rule: 'register_frameworks[0]' });
    expect(acls.decide('register_frameworks', 'framework/banned', 'batch').reason).toMatch(/framework\/banned.*register_frameworks\[0\].*NONE/);
    expect(acls.decide('register_frameworks', 'framework/apps', 'web')).toMatchObject({ allowed: true, rule: 'register_frameworks[1]' });
    expect(acls.decide('register_frameworks', 'framework/apps', 'web/blue')).toMatchObject({ allowed: true, rule: 'register_frameworks[1]' });
    // The subject matches rule [1] but its object does not: the next rule is tried.
    expect(acls.decide('register_frameworks', 'framework/apps', 'batch')).toMatchObject({ allowed: true, rule: 'register_frameworks[2]' });
    expect(acls.decide('register_frameworks', 'framework/jobs', 'web')).toMatchObject({ allowed: false, rule: 'permissive' });
    expect(acls.decide('register_frameworks', 'framework/jobs', 'web').reason).toMatch(/deny by default/);
    expect(acls.decide('run_images', 'anyone', 'busybox:latest')).toMatchObject({ allowed: true, rule: 'run_images[0]' });
    expect(acls.decide('run_images', undefined, 'nginx:1')).toMatchObject({ allowed: false, rule: 'permissive' });
  });

  it('acls - an unauthenticated caller matches only principals ANY', () => {
    const acls = parseAcls(example, 'acls.json');
    expect(acls.decide('run_images', undefined, 'busybox:1')).toMatchObject({ allowed: true, rule: 'run_images[0]' });
    expect(acls.decide('register_frameworks', undefined, 'batch')).toMatchObject({ allowed: false, rule: 'permissive' });
    expect(acls.decide('register_frameworks', undefined, 'batch').reason).toMatch(/an unauthenticated caller/);
  });

  it('acls - $self on the object side is the caller itself', () => {
    const acls = parseAcls(example, 'acls.json');
    expect(acls.decide('kill_tasks', 'framework/a', 'framework/a')).toMatchObject({ allowed: true, rule: 'kill_tasks[1]' });
    expect(acls.decide('kill_tasks', 'framework/b', 'framework/a')).toMatchObject({ allowed: false, rule: 'permissive' });
    expect(acls.decide('kill_tasks', 'operator/alice', 'framework/a')).toMatchObject({ allowed: true, rule: 'kill_tasks[0]' });
    // `$self` is not a glob: a principal literally named "$self" gets nothing from it.
    expect(acls.decide('kill_tasks', 'framework/x', '$self')).toMatchObject({ allowed: false });
  });

  it('acls - a group covers itself and what lies under it, on path boundaries', () => {
    const acls = parseAcls(example, 'acls.json');
    expect(acls.decide('deploy_apps', 'alice', '/team-a')).toMatchObject({ allowed: true });
    expect(acls.decide('deploy_apps', 'alice', '/team-a/web/frontend')).toMatchObject({ allowed: true });
    expect(acls.decide('deploy_apps', 'alice', '/team-a/')).toMatchObject({ allowed: true });
    expect(acls.decide('deploy_apps', 'alice', '/team-ab')).toMatchObject({ allowed: false });
    expect(acls.decide('deploy_apps', 'alice', '/team')).toMatchObject({ allowed: false });
    expect(acls.decide('deploy_apps', 'alice', '/')).toMatchObject({ allowed: false });
    expect(acls.decide('deploy_apps', 'alice', '/shared/x/y')).toMatchObject({ allowed: true });
    expect(acls.decide('deploy_apps', 'bob', '/team-a')).toMatchObject({ allowed: false, rule: 'permissive' });
  });

  it('acls - permissive: no file allows everything; permissive true allows what no rule covers', () => {
    const open = Acls.permissive();
    expect(open.configured).toBe(false);
    expect(open.decide('register_agents', undefined, 'a1')).toEqual({
      allowed: true,
      rule: 'permissive',
      reason: expect.stringMatching(/there is no register_agents rule, and the ACLs are permissive/),
    });
    const acls = parseAcls(
      'register_agents:\n  - principals: { values: ["agent/*"] }\n    agents: { type: ANY }\n  - principals: { type: ANY }\n    agents: { type: NONE }\n',
      'acls.yaml',
    );
    expect(acls.permissiveDefault).toBe(true);
    expect(acls.configured).toBe(true);
    expect(acls.decide('register_agents', 'agent/a1', 'a1')).toMatchObject({ allowed: true, rule: 'register_agents[0]' });
    expect(acls.decide('register_agents', 'framework/x', 'a1')).toMatchObject({ allowed: false, rule: 'register_agents[1]' });
    expect(acls.decide('teardown_frameworks', 'framework/x', 'framework/y')).toMatchObject({ allowed: true, rule: 'permissive' });
  });

  it('acls - a bad file is a ValidationError naming the source, the field path and what is allowed', () => {
    const bad = (doc: unknown): ValidationError => {
      try {
        parseAcls(typeof doc === 'string' ? doc : JSON.stringify(doc), '--acls /etc/acls.json');
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
        return err as ValidationError;
      }
      throw new Error('parsed');
    };
    expect(bad({ register_framework: [] }).message).toMatch(
      /^--acls \/etc\/acls\.json: register_framework: unknown field "register_framework" \(allowed here: permissive, register_frameworks,/,
    );
    expect(bad({ run_tasks: [{ principals: { type: 'ANY' }, images: { type: 'ANY' } }] }).message).toMatch(
      /^--acls \/etc\/acls\.json: run_tasks\[0\]\.(users: missing|images: unknown field "images" \(allowed here: principals, users\))/,
    );
    expect(bad({ run_tasks: [{ principals: { type: 'ANY' } }] }).message).toMatch(/run_tasks\[0\]\.users: missing/);
    expect(bad({ view: [{ principals: { type: 'SOME' }, framework_principals: { type: 'ANY' } }] }).message).toMatch(
      /view\[0\]\.principals\.type: type must be "ANY" or "NONE"/,
    );
    expect(bad({ view: [{ principals: { type: 'ANY', values: ['x'] }, framework_principals: { type: 'ANY' } }] }).message).toMatch(
      /view\[0\]\.principals: an entity is either/,
    );
    expect(bad({ view: [{ principals: { values: [] }, framework_principals: { type: 'ANY' } }] }).message).toMatch(
      /view\[0\]\.principals\.values: values must hold at least one value/,
    );
    expect(bad({ permissive: 'no' }).message).toMatch(/permissive: permissive must be true or false/);
    expect(bad({ kill_tasks: {} }).message).toMatch(/kill_tasks: kill_tasks must be a list of rules/);
    expect(bad('{"permissive": fals').message).toMatch(/^--acls \/etc\/acls\.json: not valid JSON/);
    expect(bad('permissive: [unclosed').message).toMatch(/not valid YAML/);
    expect(bad('').message).toMatch(/expected an object/);
    expect(bad(['x']).message).toMatch(/expected an object.*got a list/);
    expect(bad({ view: [{ principals: { type: 'ANY' }, framework_principals: { type: 'ANY' } }, 7] }).details[0]?.path).toBe('view[1]');
  });
});
