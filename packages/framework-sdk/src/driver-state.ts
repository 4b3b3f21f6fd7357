import { Code, TandemError } from '@tandem/protocol';

/**
 * The lifecycle of a SchedulerDriver.
 * - `idle`: constructed, `start()` not called yet.
 * - `connecting`: a Subscribe stream is open, waiting for SUBSCRIBED.
 * - `subscribed`: SUBSCRIBED received; calls may be made.
 * - `reconnecting`: the stream ended or went silent; waiting out the backoff.
 * - `stopping`: `stop()` is draining (flushing acks, closing the stream).
 * - `stopped`: closed by `stop()`; final.
 * - `failed`: an ERROR event or a refused subscription ended it; final.
 */
export type DriverState = 'idle' | 'connecting' | 'subscribed' | 'reconnecting' | 'stopping' | 'stopped' | 'failed';

export const DRIVER_TRANSITIONS: Readonly<Record<DriverState, readonly DriverState[]>> = {
  idle: ['connecting', 'stopping'],
  connecting: ['subscribed', 'reconnecting', 'stopping', 'failed'],
  subscribed: ['reconnecting', 'stopping', 'failed'],
  reconnecting: ['connecting', 'stopping', 'failed'],
  stopping: ['stopped'],
  stopped: [],
  failed: [],
};

export function canTransitionDriver(from: DriverState, to: DriverState): boolean {
  return DRIVER_TRANSITIONS[from].includes(to);
}

/** Throws on an illegal transition: it is a bug in the driver, never the user's input. */
export function checkDriverTransition(from: DriverState, to: DriverState): DriverState {
  if (!canTransitionDriver(from, to)) {
    throw new TandemError(Code.Internal, `scheduler driver: illegal transition ${from} -> ${to}`);
  }
  return to;
}
