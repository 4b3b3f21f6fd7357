import type { InverseOffer, Offer, Subscribed, TandemError, TaskStatus } from '@tandem/protocol';

/** Everything the driver reports, as one discriminated union (the `events()` feed). */
export type DriverEvent =
  | { type: 'subscribed'; subscribed: Subscribed /** true when this re-subscribed an existing framework id */; resubscribed: boolean }
  | { type: 'offers'; offers: Offer[] }
  | { type: 'rescind'; offerIds: string[] }
  | { type: 'inverseOffers'; inverseOffers: InverseOffer[] }
  | { type: 'rescindInverseOffers'; inverseOfferIds: string[] }
  | { type: 'update'; status: TaskStatus }
  | { type: 'failure'; agentId: string; message: string }
  | { type: 'heartbeat'; timestamp: number }
  | { type: 'disconnected'; error: TandemError | undefined }
  | { type: 'error'; error: TandemError };

export type DriverEventType = DriverEvent['type'];
