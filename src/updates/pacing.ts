// The pace of campaign updates, shared by every worker: at most
// UPDATES_PER_SECOND messages are started in each one-second slot of the
// database's clock, whichever workers start them. A sender takes slots from the
// one row of update_pacing (locked for the instant of the take) before it
// sends; what it is not granted, it sends in a later slot. Taking from a shared
// count, rather than one process holding a lock for the whole send, lets any
// number of workers share the work and a killed one hold nothing up.

export type PaceState = { slot: number; taken: number };

/**
 * Grants up to `wanted` sends in slot `nowSlot`, at most `perSecond` in all
 * per slot. A clock that reads an earlier slot than the stored one (another
 * server's clock, a step back) counts as the stored slot: never more per slot.
 */
export function takeSends(state: PaceState, nowSlot: number, wanted: number, perSecond: number): { next: PaceState; granted: number } {
  const current = nowSlot > state.slot ? { slot: nowSlot, taken: 0 } : state;
  const granted = Math.max(0, Math.min(Math.floor(wanted), perSecond - current.taken));
  return { next: { slot: current.slot, taken: current.taken + granted }, granted };
}
