/**
 * The per-link usefulness score of MC-PRCH §3.1.5.6.1.1.1, with Windows' bounds
 * (WINDOWS-NOTES §1.5, UtilityExtension.cs): U ← ⌊U·31/32⌋ + 128·useful, capped at 4096, and only
 * "accurate" (trusted for pruning) after 32 updates.
 */
export interface LinkUtilityIndex {
  /** Current score, 0…{@link LINK_UTILITY_MAX}. */
  value: number;
  /** How many updates went into it; never reset while the link lives (MC-PRCH §3.1.4.2). */
  updates: number;
}

/** Upper bound of the score. */
export const LINK_UTILITY_MAX = 4096;
/** Updates after which the score is trusted for pruning (MC-PRCH §3.1.6.4.2: "at least 32"). */
export const LINK_UTILITY_TRUSTED_AFTER = 32;

/** A fresh index: zero (MC-PRCH §3.1.3.1 initialises LinkUtilityIndex to zero on Connected). */
export function newLinkUtility(): LinkUtilityIndex {
  return { value: 0, updates: 0 };
}

/** Apply one update in place. */
export function updateLinkUtility(u: LinkUtilityIndex, useful: boolean): void {
  const next = Math.floor((u.value * 31) / 32) + (useful ? 128 : 0);
  u.value = Math.min(next, LINK_UTILITY_MAX);
  u.updates++;
}

/** Whether the score has seen enough updates to be used for pruning. */
export function isTrusted(u: LinkUtilityIndex, after = LINK_UTILITY_TRUSTED_AFTER): boolean {
  return u.updates >= after;
}
