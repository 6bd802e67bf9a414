import { servicePath } from "./address.js";
import type { PeerNodeAddress } from "./messages.js";

/** A cached way to reach a node: from a Referral (NodeId known) or the resolver (NodeId unknown). */
export interface CachedReferral {
  readonly address: PeerNodeAddress;
  readonly nodeId: bigint | undefined;
}

/**
 * The Referral cache of MC-PRCH §3.1.1, bounded at 50 entries like Windows (§7 note <8>). Keyed by
 * the address identity (upper-cased path); the oldest entry is dropped when full, and entries are
 * taken out when maintenance uses them (§3.1.6.4.1 "after all of the entries … are used").
 */
export class ReferralCache {
  private readonly entries = new Map<string, CachedReferral>();
  constructor(readonly capacity = 50) {}

  /** Add or refresh an entry (a refreshed entry becomes the newest). */
  add(address: PeerNodeAddress, nodeId: bigint | undefined): void {
    if (this.capacity <= 0) return;
    const key = servicePath(address);
    const old = this.entries.get(key);
    this.entries.delete(key);
    this.entries.set(key, { address, nodeId: nodeId ?? old?.nodeId });
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** Remove and return the entry for `key`. */
  take(key: string): CachedReferral | undefined {
    const e = this.entries.get(key);
    this.entries.delete(key);
    return e;
  }

  /** Entries in insertion order, oldest first, with their keys. */
  list(): [string, CachedReferral][] {
    return [...this.entries];
  }

  get size(): number {
    return this.entries.size;
  }
}
