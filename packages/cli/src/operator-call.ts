import { type OperatorClient, operatorClient, TandemError } from '@tandem/protocol';

export const DEFAULT_OPERATOR_DEADLINE_MS = 15_000;

/** Runs one unary Operator call with a deadline and closes the channel afterwards. */
export async function withOperator<T>(master: string, fn: (client: OperatorClient, deadline: Date) => Promise<T>): Promise<T> {
  const client = operatorClient(master);
  try {
    return await fn(client, new Date(Date.now() + DEFAULT_OPERATOR_DEADLINE_MS));
  } catch (err) {
    throw TandemError.from(err);
  } finally {
    client.close();
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
