import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Code, TandemError, ValidationError } from '../errors.js';
import { EventBus } from '../event-bus.js';
import { errorReply } from './error-reply.js';
import { fetchJson } from './fetch-json.js';
import { httpStatusOf, METRONOME_STATUS } from './http-status.js';
import { prototypeKeyPath, RequestBodyError } from './json-body.js';
import { SseStreams } from './sse.js';
import { fieldPath, zodDetails } from './zod-details.js';

describe('http helpers', () => {
  it('http-status - one table, per-API overrides, 500 for the rest', () => {
    expect(httpStatusOf(Code.InvalidArgument)).toBe(400);
    expect(httpStatusOf(Code.InvalidArgument, METRONOME_STATUS)).toBe(422);
    expect(httpStatusOf(Code.AlreadyExists)).toBe(409);
    expect(httpStatusOf(Code.Unavailable, METRONOME_STATUS)).toBe(503);
    expect(httpStatusOf(Code.Internal)).toBe(500);
  });

  it('error-reply - validation errors are 422 with details; bodies refused unread are 400/413/415; a 422 by code names the field', () => {
    expect(errorReply(ValidationError.of('/cpus', 'too many'))).toEqual({
      status: 422,
      body: { message: 'Object is not valid', details: [{ path: '/cpus', errors: ['too many'] }] },
    });
    expect(errorReply(new RequestBodyError(400, 'Unexpected end'))).toEqual({
      status: 400,
      body: { message: 'Invalid JSON', details: [{ path: '/', errors: ['Unexpected end'] }] },
    });
    expect(errorReply({ code: 'FST_ERR_CTP_BODY_TOO_LARGE' }, { bodyLimit: 10 }).status).toBe(413);
    expect(errorReply(new TandemError(Code.InvalidArgument, 'bad', { field: '/x' }), { overrides: METRONOME_STATUS })).toEqual({
      status: 422,
      body: { message: 'Object is not valid', details: [{ path: '/x', errors: ['bad'] }] },
    });
    expect(errorReply(new TandemError(Code.NotFound, 'gone'))).toEqual({ status: 404, body: { message: 'gone' } });
    expect(errorReply(Object.assign(new Error('bad url'), { statusCode: 400 }))).toEqual({ status: 400, body: { message: 'bad url' } });
  });

  it('validation-error - one field or many; the first is the field', () => {
    const one = new ValidationError('weights[0].weight', 'must be > 0');
    expect(one).toMatchObject({
      code: Code.InvalidArgument,
      field: 'weights[0].weight',
      message: 'weights[0].weight: must be > 0',
      details: [{ path: 'weights[0].weight', errors: ['must be > 0'] }],
    });
    expect(
      new ValidationError([
        { path: '/a', errors: ['x'] },
        { path: '/b', errors: ['y'] },
      ]).field,
    ).toBe('/a');
  });

  it('zod-details - JSON pointers, escaped segments, messages grouped once per path', () => {
    const issues = [
      { path: ['env', 'A/B'], message: 'bad' },
      { path: ['env', 'A/B'], message: 'bad' },
      { path: [], message: 'root' },
    ];
    expect(zodDetails(issues)).toEqual([
      { path: '/env/A~1B', errors: ['bad'] },
      { path: '/', errors: ['root'] },
    ]);
    expect(zodDetails([{ path: ['id'], message: 'm' }], '/apps/2')).toEqual([{ path: '/apps/2/id', errors: ['m'] }]);
    expect(fieldPath([1, 'guarantee', 'cpus'], 'quotas')).toBe('quotas[1].guarantee.cpus');
    expect(fieldPath(['force'])).toBe('force');
  });

  it('json-body - a __proto__ key, or constructor.prototype, at any depth is found with its path (the REST fuzzer found labels.__proto__ accepted and dropped)', () => {
    expect(prototypeKeyPath(JSON.parse('{"id":"/a","labels":{"l":"v","__proto__":{"polluted":"yes"}}}'))).toEqual(['labels', '__proto__']);
    expect(prototypeKeyPath(JSON.parse('[{"a":1},{"constructor":{"prototype":{"x":1}}}]'))).toEqual([1, 'constructor']);
    expect(prototypeKeyPath(JSON.parse('{"__proto__":1}'))).toEqual(['__proto__']);
    // A key named constructor holding no prototype is an ordinary key.
    expect(prototypeKeyPath(JSON.parse('{"labels":{"constructor":"c"},"env":{"proto":"x"}}'))).toBeUndefined();
    expect(prototypeKeyPath('text')).toBeUndefined();
  });

  it('event-bus - filters by type and drops a listener that throws', () => {
    const bus = new EventBus<{ type: string }>((e) => e.type);
    const seen: string[] = [];
    bus.subscribe((e) => seen.push(e.type), new Set(['a']));
    bus.subscribe(() => {
      throw new Error('x');
    });
    bus.publish({ type: 'a' });
    bus.publish({ type: 'b' });
    expect(seen).toEqual(['a']);
    expect(bus.size).toBe(1);
  });

  it('sse and fetch-json - events with keepalives, closed on shutdown; errors mapped to TandemError', async () => {
    const streams = new SseStreams(20);
    const server = createServer((req, res) => {
      if (req.url === '/events') {
        const sse = streams.open(res);
        sse.send('hello', { n: 1 });
        return;
      }
      res.writeHead(422, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Object is not valid', details: [{ path: '/id', errors: ['bad'] }] }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const res = await fetch(`${url}/events`);
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      const reader = res.body!.getReader();
      let text = '';
      while (!text.includes(':\n\n')) text += new TextDecoder().decode((await reader.read()).value);
      expect(text).toContain('event: hello\ndata: {"n":1}\n\n');
      streams.closeAll();
      while (!(await reader.read()).done);
      await expect(fetchJson(url, '/v1/jobs', { method: 'POST', body: {} })).rejects.toMatchObject({
        code: Code.InvalidArgument,
        message: 'POST /v1/jobs: 422 Object is not valid\n  /id: bad',
      });
      await expect(fetchJson('http://127.0.0.1:1', '/x')).rejects.toMatchObject({ code: Code.Unavailable });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
