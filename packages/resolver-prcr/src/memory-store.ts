import { ResolverError } from "./errors.js";
import type { Guid, PeerNodeAddress } from "./model.js";
import type {
  RegistrationRecord,
  RegistrationStore,
  StoreLimits,
  StoreStats,
  StoreWriteResult,
} from "./store.js";

interface Slot {
  record: RegistrationRecord;
  /** Position in MeshEntry.list, kept so that removal is O(1) (swap with the last). */
  index: number;
}

interface MeshEntry {
  readonly byId: Map<Guid, Slot>;
  readonly byPath: Map<string, Guid>;
  /** Dense array for O(1) random picks. */
  readonly list: Slot[];
  /** Lower bound of the earliest expiry in the mesh; lets quota checks skip pointless purges. */
  earliest: number;
}

/** Options of {@link MemoryRegistrationStore}. */
export interface MemoryStoreOptions {
  /** Random source in [0, 1) for Resolve's random subset. Default Math.random. */
  readonly random?: () => number;
}

/** Extra candidates fetched beyond `max` so that excluding the caller's own records still leaves `max`. */
const SAMPLE_SLACK = 8;

/**
 * The embedded registration store: everything in this process's memory, lost on restart (clients
 * then re-register after RegistrationNotFound, MC-PRCR §1.3.4).
 */
export class MemoryRegistrationStore implements RegistrationStore {
  readonly #meshes = new Map<string, MeshEntry>();
  readonly #random: () => number;
  #count = 0;
  #earliest = Number.POSITIVE_INFINITY;
  #closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.#random = options.random ?? Math.random;
  }

  async insert(
    record: RegistrationRecord,
    limits: StoreLimits,
    now: number,
  ): Promise<StoreWriteResult> {
    this.#check();
    let mesh = this.#meshes.get(record.MeshId);
    if (mesh?.byId.has(record.RegistrationId)) return { ok: false, reason: "id-in-use" };
    if (mesh !== undefined) {
      const holder = this.#holder(mesh, record.ServicePath, now);
      if (holder !== undefined) return { ok: false, reason: "duplicate", holder };
      // Dropping a stale holder may have emptied and removed the mesh.
      mesh = this.#meshes.get(record.MeshId);
    }
    if (mesh !== undefined) {
      if (mesh.list.length >= limits.maxRegistrationsPerMesh) {
        this.#purgeMesh(record.MeshId, mesh, now);
        if (mesh.list.length >= limits.maxRegistrationsPerMesh) {
          return { ok: false, reason: "quota", quota: "maxRegistrationsPerMesh" };
        }
        // The purge may have emptied and dropped the mesh.
        mesh = this.#meshes.get(record.MeshId);
      }
    }
    if (this.#count >= limits.maxRegistrations) {
      await this.sweep(now);
      if (this.#count >= limits.maxRegistrations) {
        return { ok: false, reason: "quota", quota: "maxRegistrations" };
      }
      mesh = this.#meshes.get(record.MeshId);
    }
    if (mesh === undefined && this.#meshes.size >= limits.maxMeshes) {
      await this.sweep(now);
      if (this.#meshes.size >= limits.maxMeshes) {
        return { ok: false, reason: "quota", quota: "maxMeshes" };
      }
    }
    if (mesh === undefined) {
      mesh = { byId: new Map(), byPath: new Map(), list: [], earliest: Number.POSITIVE_INFINITY };
      this.#meshes.set(record.MeshId, mesh);
    }
    const slot: Slot = { record, index: mesh.list.length };
    mesh.list.push(slot);
    mesh.byId.set(record.RegistrationId, slot);
    mesh.byPath.set(record.ServicePath, record.RegistrationId);
    this.#noteExpiry(mesh, record.expiresAt);
    this.#count++;
    return { ok: true };
  }

  async update(
    MeshId: string,
    RegistrationId: Guid,
    NodeAddress: PeerNodeAddress,
    ServicePath: string,
    expiresAt: number,
    now: number,
  ): Promise<StoreWriteResult> {
    this.#check();
    const mesh = this.#meshes.get(MeshId);
    const slot = mesh?.byId.get(RegistrationId);
    if (mesh === undefined || slot === undefined || slot.record.expiresAt <= now) {
      return { ok: false, reason: "not-found" };
    }
    const old = slot.record;
    if (old.ServicePath !== ServicePath) {
      const holder = this.#holder(mesh, ServicePath, now);
      if (holder !== undefined && holder !== RegistrationId) {
        return { ok: false, reason: "duplicate", holder };
      }
      if (mesh.byPath.get(old.ServicePath) === RegistrationId) mesh.byPath.delete(old.ServicePath);
      mesh.byPath.set(ServicePath, RegistrationId);
    }
    slot.record = { ...old, NodeAddress, ServicePath, expiresAt };
    this.#noteExpiry(mesh, expiresAt);
    return { ok: true };
  }

  async refresh(
    MeshId: string,
    RegistrationId: Guid,
    expiresAt: number,
    now: number,
  ): Promise<boolean> {
    this.#check();
    const mesh = this.#meshes.get(MeshId);
    const slot = mesh?.byId.get(RegistrationId);
    if (mesh === undefined || slot === undefined || slot.record.expiresAt <= now) return false;
    slot.record = { ...slot.record, expiresAt };
    this.#noteExpiry(mesh, expiresAt);
    return true;
  }

  async remove(MeshId: string, RegistrationId: Guid, now: number): Promise<boolean> {
    this.#check();
    const mesh = this.#meshes.get(MeshId);
    const slot = mesh?.byId.get(RegistrationId);
    if (mesh === undefined || slot === undefined) return false;
    const live = slot.record.expiresAt > now;
    this.#drop(MeshId, mesh, slot);
    return live;
  }

  async get(
    MeshId: string,
    RegistrationId: Guid,
    now: number,
  ): Promise<RegistrationRecord | undefined> {
    this.#check();
    const slot = this.#meshes.get(MeshId)?.byId.get(RegistrationId);
    return slot !== undefined && slot.record.expiresAt > now ? slot.record : undefined;
  }

  async sample(
    MeshId: string,
    max: number,
    excludeClientId: Guid | undefined,
    now: number,
  ): Promise<PeerNodeAddress[]> {
    this.#check();
    const mesh = this.#meshes.get(MeshId);
    if (mesh === undefined || max <= 0) return [];
    const wanted = (r: RegistrationRecord) => r.expiresAt > now && r.ClientId !== excludeClientId;
    const n = mesh.list.length;
    let picked: RegistrationRecord[] = [];
    if (n > max + SAMPLE_SLACK) {
      // Rejection sampling: cheap when max ≪ n, which is the normal case (Windows asks for 3).
      const seen = new Set<number>();
      const attempts = 4 * (max + SAMPLE_SLACK);
      for (let i = 0; i < attempts && picked.length < max; i++) {
        const k = Math.floor(this.#random() * n);
        if (seen.has(k)) continue;
        seen.add(k);
        const r = mesh.list[k]?.record;
        if (r !== undefined && wanted(r)) picked.push(r);
      }
      if (picked.length < max) picked = []; // unlucky or mostly stale: fall back to a full pass
    }
    if (picked.length === 0) {
      for (const s of mesh.list) if (wanted(s.record)) picked.push(s.record);
      shuffle(picked, this.#random, max);
      picked.length = Math.min(picked.length, max);
    }
    return picked.map((r) => r.NodeAddress);
  }

  async sweep(now: number): Promise<number> {
    this.#check();
    if (this.#earliest > now) return 0;
    let removed = 0;
    let earliest = Number.POSITIVE_INFINITY;
    for (const [id, mesh] of [...this.#meshes]) {
      removed += this.#purgeMesh(id, mesh, now);
      if (this.#meshes.has(id)) earliest = Math.min(earliest, mesh.earliest);
    }
    this.#earliest = earliest;
    return removed;
  }

  async stats(now: number): Promise<StoreStats> {
    this.#check();
    let meshes = 0;
    let registrations = 0;
    for (const mesh of this.#meshes.values()) {
      let live = 0;
      for (const s of mesh.list) if (s.record.expiresAt > now) live++;
      registrations += live;
      if (live > 0) meshes++;
    }
    return { meshes, registrations };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#meshes.clear();
    this.#count = 0;
  }

  /** Keep the earliest-expiry bounds conservative (they may be too early, never too late). */
  #noteExpiry(mesh: MeshEntry, expiresAt: number): void {
    mesh.earliest = Math.min(mesh.earliest, expiresAt);
    this.#earliest = Math.min(this.#earliest, expiresAt);
  }

  #check(): void {
    if (this.#closed) throw new ResolverError("Closed", "registration store is closed");
  }

  /** The live registration holding `path` in the mesh; a stale holder is dropped on the way. */
  #holder(mesh: MeshEntry, path: string, now: number): Guid | undefined {
    const id = mesh.byPath.get(path);
    if (id === undefined) return undefined;
    const slot = mesh.byId.get(id);
    if (slot === undefined) {
      mesh.byPath.delete(path);
      return undefined;
    }
    if (slot.record.expiresAt > now) return id;
    this.#drop(slot.record.MeshId, mesh, slot);
    return undefined;
  }

  /** Remove the mesh's expired records; recompute its earliest expiry. */
  #purgeMesh(id: string, mesh: MeshEntry, now: number): number {
    if (mesh.earliest > now) return 0;
    let removed = 0;
    let earliest = Number.POSITIVE_INFINITY;
    // Walk backwards: #drop moves the last slot into the freed index.
    for (let i = mesh.list.length - 1; i >= 0; i--) {
      const slot = mesh.list[i];
      if (slot === undefined) continue;
      if (slot.record.expiresAt <= now) {
        this.#drop(id, mesh, slot);
        removed++;
      } else {
        earliest = Math.min(earliest, slot.record.expiresAt);
      }
    }
    mesh.earliest = earliest;
    return removed;
  }

  #drop(id: string, mesh: MeshEntry, slot: Slot): void {
    const last = mesh.list.pop();
    if (last !== undefined && last !== slot) {
      mesh.list[slot.index] = last;
      last.index = slot.index;
    }
    const r = slot.record;
    mesh.byId.delete(r.RegistrationId);
    if (mesh.byPath.get(r.ServicePath) === r.RegistrationId) mesh.byPath.delete(r.ServicePath);
    this.#count--;
    if (mesh.list.length === 0) this.#meshes.delete(id);
  }
}

/** Partial Fisher–Yates: afterwards a[0..k) is a uniform random k-subset in random order. */
export function shuffle<T>(a: T[], random: () => number, k = a.length): void {
  const n = a.length;
  for (let i = 0; i < Math.min(k, n - 1); i++) {
    const j = i + Math.floor(random() * (n - i));
    const t = a[i] as T;
    a[i] = a[j] as T;
    a[j] = t;
  }
}
