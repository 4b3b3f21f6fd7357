import { describe, expect, it } from 'vitest';
import { Code, MAX_STATUS_DETAILS, TandemError, ValidationError } from './errors.js';

describe('errors', () => {
  it('errors - a gRPC status carries at most MAX_STATUS_DETAILS characters of message and an ASCII field (a 100 KB id in a message hung the call: no client took the trailers)', () => {
    const id = 'x'.repeat(100_000);
    const message = `framework ${id} is not known`;
    const status = new TandemError(Code.NotFound, message).toGrpcStatus();
    expect(status.details?.length).toBeLessThan(MAX_STATUS_DETAILS + 40);
    expect(status.details).toBe(`${message.slice(0, MAX_STATUS_DETAILS)}... (${message.length} characters)`);
    const short = new TandemError(Code.NotFound, 'framework f-1 is not known').toGrpcStatus();
    expect(short.details).toBe('framework f-1 is not known');
    const field = new ValidationError(`env.${'ü'.repeat(500)}`, 'is not a POSIX name').toGrpcStatus();
    const sent = field.metadata?.get('tandem-field')[0] as string;
    expect(sent).toMatch(/^env\.\?+\.\.\. \(504 characters\)$/);
  });
});
