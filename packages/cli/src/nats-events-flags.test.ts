import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { natsEventsFrom } from './nats-events-flags.js';

describe('nats events flags', () => {
  it('nats-events-flags - --nats names servers; credentials come from the URL or --nats-credentials, once', async () => {
    expect(await natsEventsFrom({}, undefined)).toBeUndefined();
    expect(await natsEventsFrom({ nats: 'nats://h1:4222,h2' }, undefined)).toEqual({ servers: ['nats://h1:4222', 'nats://h2:4222'] });
    expect(await natsEventsFrom({ nats: 'nats://ops:pw@h1:4222' }, undefined)).toMatchObject({ access: { auth: { user: 'ops', pass: 'pw' } } });
    const file = join(mkdtempSync(join(tmpdir(), 'tandem-nats-flags-')), 'creds');
    writeFileSync(file, '# events\ntok-9\n');
    expect(await natsEventsFrom({ nats: 'nats://h1:4222', natsCredentials: file }, undefined)).toMatchObject({ access: { auth: { token: 'tok-9' } } });
  });

  it('nats-events-flags - bad values are errors naming the flag', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tandem-nats-flags-')), 'creds');
    writeFileSync(file, 'a:b\n');
    const cases: [Parameters<typeof natsEventsFrom>[0], RegExp][] = [
      [{ nats: 'http://h1' }, /^--nats \(TANDEM_NATS\)/],
      [{ nats: 'file:/tmp/x' }, /^--nats \(TANDEM_NATS\)/],
      [{ nats: 'tls://h1:4222' }, /^--nats \(TANDEM_NATS\)/],
      [{ natsCredentials: file }, /^--nats-credentials/],
      [{ nats: 'nats://u:p@h1', natsCredentials: file }, /^--nats-credentials/],
      [{ nats: 'nats://h1', natsCredentials: join(file, 'missing') }, /^--nats-credentials/],
    ];
    for (const [o, field] of cases)
      await expect(natsEventsFrom(o, undefined), JSON.stringify(o)).rejects.toMatchObject({ field: expect.stringMatching(field) });
  });
});
