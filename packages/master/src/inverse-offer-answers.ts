/** What the master's parts ask of the maintenance schedule (maintenance.ts); in its own file so MasterCore needs no import of it. */
export interface InverseOfferAnswers {
  /** When the agent goes down for maintenance and for how long, while its window is ahead or open; offers of it carry this. */
  unavailabilityOf(agentId: string): { start: number; durationSeconds: number } | undefined;
  /** ACCEPT_INVERSE_OFFERS (`accepted`) or DECLINE_INVERSE_OFFERS; an id not made to the framework is NOT_FOUND naming `field`. */
  answer(frameworkId: string, ids: readonly string[], accepted: boolean, field: string): void;
}
