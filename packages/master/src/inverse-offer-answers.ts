/** What a framework's answers to inverse offers go to (maintenance.ts); in its own file so MasterCore needs no import of the schedule. */
export interface InverseOfferAnswers {
  /** ACCEPT_INVERSE_OFFERS (`accepted`) or DECLINE_INVERSE_OFFERS; an id not made to the framework is NOT_FOUND naming `field`. */
  answer(frameworkId: string, ids: readonly string[], accepted: boolean, field: string): void;
}
