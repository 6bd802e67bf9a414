import { type PeerNodeAddress, type RandomSource, randomInt, servicePath } from "@prch/mesh-core";

interface Entry {
  readonly address: PeerNodeAddress;
  readonly node: number;
  expiresAt: number;
}

/**
 * An in-memory custom resolver with the service behaviour of MC-PRCR §3.2 as Windows implements it
 * (WINDOWS-NOTES §1.7): registrations keyed by address identity, Resolve returns every entry when
 * there are at most MaxAddresses, otherwise random draws *with replacement* (so possibly fewer, and
 * possibly the caller itself). Live registrations are kept refreshed by their (simulated) client;
 * a crashed node's entry lingers until its lifetime runs out.
 */
export class MemoryResolver {
  private readonly entries = new Map<string, Entry>();
  private readonly keys: string[] = [];
  private readonly slot = new Map<string, number>();

  constructor(
    private readonly random: RandomSource,
    readonly lifetimeMs = 600_000,
  ) {}

  register(node: number, address: PeerNodeAddress): void {
    const key = servicePath(address);
    if (!this.entries.has(key)) {
      this.slot.set(key, this.keys.length);
      this.keys.push(key);
    }
    this.entries.set(key, { address, node, expiresAt: Number.POSITIVE_INFINITY });
  }

  unregister(address: PeerNodeAddress): void {
    this.remove(servicePath(address));
  }

  /** The owner stopped refreshing at `now` (crash): the entry expires within one lifetime. */
  orphan(address: PeerNodeAddress, now: number): void {
    const e = this.entries.get(servicePath(address));
    if (e !== undefined && e.expiresAt === Number.POSITIVE_INFINITY) {
      e.expiresAt = now + randomInt(this.random, this.lifetimeMs + 1);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  resolve(maxAddresses: number, now: number): PeerNodeAddress[] {
    // Lazily drop expired entries (bounded by the table size).
    for (let i = this.keys.length - 1; i >= 0; i--) {
      const k = this.keys[i]!;
      if (this.entries.get(k)!.expiresAt <= now) this.remove(k);
    }
    if (this.keys.length <= maxAddresses) {
      return this.keys.map((k) => this.entries.get(k)!.address);
    }
    const picked = new Set<string>();
    for (let i = 0; i < maxAddresses; i++) {
      picked.add(this.keys[randomInt(this.random, this.keys.length)]!);
    }
    return [...picked].map((k) => this.entries.get(k)!.address);
  }

  private remove(key: string): void {
    const i = this.slot.get(key);
    if (i === undefined) return;
    const last = this.keys.pop()!;
    if (last !== key) {
      this.keys[i] = last;
      this.slot.set(last, i);
    }
    this.slot.delete(key);
    this.entries.delete(key);
  }
}
