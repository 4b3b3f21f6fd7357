import { Code, explainTlsFailure, LeaderFollower, type OperatorClient, operatorClient, parseMasterList, TandemError } from '@tandem/protocol';
import type { ClientAuth } from './credential-flags.js';

export const DEFAULT_OPERATOR_DEADLINE_MS = 15_000;

/**
 * Runs one Operator call with a deadline on a fresh channel, closed afterwards, against
 * `masters` (`host:port`, or a list as `h1:5050,h2:5050` or an array). A refusal naming
 * the leader (a standby) is run again on the leader, within LeaderFollower's budget of
 * redirects; a master that is UNAVAILABLE without naming one (unreachable, no leader
 * elected yet) is skipped to the next of the list, until each has failed. `fn` may run
 * more than once, so it must be safe to repeat (every Operator call is a read or a
 * set-to-this-value). With `auth.tls`, every channel is mutual TLS (never plaintext); a
 * failure that TLS may explain (either side plaintext, another CA) says so. With
 * `auth.credential`, every call carries it (`--credential`).
 */
export async function withOperator<T>(
  masters: string | readonly string[],
  fn: (client: OperatorClient, deadline: Date) => Promise<T>,
  auth: ClientAuth = {},
): Promise<T> {
  const follower = new LeaderFollower(parseMasterList(masters, 'master'));
  const failures: string[] = [];
  for (;;) {
    const address = follower.current;
    const client = operatorClient(address, auth);
    try {
      return await fn(client, new Date(Date.now() + DEFAULT_OPERATOR_DEADLINE_MS));
    } catch (err) {
      const e = explainTlsFailure(err, address, auth.tls !== undefined);
      if (e.code !== Code.Unavailable) throw e;
      failures.push(`${address}: ${e.message}`);
      const step = follower.next(e);
      const giveUp = step.reason === 'redirect' ? !step.immediate : follower.triedAll;
      if (giveUp) {
        throw failures.length === 1 ? e : new TandemError(Code.Unavailable, `no leading master answered (${failures.join('; ')})`, { cause: e });
      }
    } finally {
      client.close();
    }
  }
}

/** Promisifies one grpc-js unary call. */
export function unary<Req, Res>(
  call: (req: Req, options: { deadline: Date }, cb: (err: Error | null, res?: Res) => void) => unknown,
  req: Req,
  deadline: Date,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    call(req, { deadline }, (err, res) => {
      if (err) reject(TandemError.from(err));
      else resolve(res as Res);
    });
  });
}
