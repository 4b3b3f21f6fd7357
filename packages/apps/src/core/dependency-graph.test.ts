import { ValidationError } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import type { AppDefinition } from '../app/app-definition.js';
import { validateApp } from '../app/validate-app.js';
import { dependenciesOf, dependencyLevels, levelsOfChange, unknownDependencies } from './dependency-graph.js';

const app = (id: string, dependencies: string[] = []): AppDefinition =>
  validateApp({ id, cmd: 'x', dependencies }, { maxInstances: 10 }, { version: 'v', versionInfo: { lastScalingAt: 'v', lastConfigChangeAt: 'v' } });
const apps = (...list: AppDefinition[]) => new Map(list.map((a) => [a.id, a]));

describe('dependency graph', () => {
  it('dependency-graph - an app depends on what it names and on what its groups (at any depth) name', () => {
    const groups = new Map([
      ['/', []],
      ['/s', ['/db']],
      ['/s/front', ['/s/cache']],
    ]);
    expect(dependenciesOf(app('/s/front/web', ['/auth']), groups)).toEqual([
      { on: '/db', declaredBy: '/s' },
      { on: '/s/cache', declaredBy: '/s/front' },
      { on: '/auth', declaredBy: '/s/front/web' },
    ]);
  });

  it('dependency-graph - levels follow group dependencies to every app in the group named', () => {
    const all = apps(app('/back/db'), app('/back/q'), app('/front/web'), app('/edge/lb', ['/front']));
    const levels = dependencyLevels(all, new Map([['/front', ['/back']]]));
    expect(Object.fromEntries(levels)).toEqual({ '/back/db': 0, '/back/q': 0, '/front/web': 1, '/edge/lb': 2 });
  });

  it('dependency-graph - a cycle through a group is a 422 on /dependencies naming the group', () => {
    const all = apps(app('/back/db', ['/front/web']), app('/front/web'));
    try {
      dependencyLevels(all, new Map([['/front', ['/back']]]));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).details[0]?.path).toBe('/dependencies');
      expect((err as ValidationError).details[0]?.errors[0]).toMatch(/cycle through .*of (\/front|\/back\/db)/);
    }
  });

  it('dependency-graph - a change is ordered over every app; a cycle stored before orders nothing instead of failing', () => {
    // c -> b -> a, only a and c change: a comes before c although b is not in the change.
    const current = apps(app('/a'), app('/b', ['/a']), app('/c', ['/b']));
    const { after } = levelsOfChange(
      current,
      new Map([
        ['/a', app('/a')],
        ['/c', app('/c', ['/b'])],
      ]),
      [],
      [],
    );
    expect(after.get('/c')! > after.get('/a')!).toBe(true);
    const cyclic = apps(app('/x', ['/y']), app('/y', ['/x']));
    expect(levelsOfChange(cyclic, new Map([['/x', undefined]]), [], []).before.size).toBe(0);
  });

  it('dependency-graph - unknown dependencies: naming no app and no group', () => {
    const after = apps(app('/g/a'));
    const unknown = unknownDependencies(
      [
        ['/g/a', ['/g', '/nowhere']],
        ['/h', ['/g/a', '/h2']],
      ],
      after,
      [
        { id: '/h', dependencies: [] },
        { id: '/h2/x', dependencies: [] },
      ],
    );
    expect(unknown).toEqual([{ on: '/nowhere', declaredBy: '/g/a' }]);
  });
});
