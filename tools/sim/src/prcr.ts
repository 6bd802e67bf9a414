import { type RandomSource, randomFloat, randomGuid, seededRandom } from "@prch/mesh-core";
import {
  MemoryRegistrationStore,
  ResolverClientCore,
  ResolverError,
  type ResolverRequest,
  type ResolverResponse,
  ResolverServiceCore,
} from "@prch/resolver-prcr";

/**
 * The custom resolver of `@prch/resolver-prcr` run in simulated time: one
 * {@link ResolverServiceCore} over a {@link MemoryRegistrationStore}, and one
 * {@link ResolverClientCore} per node (registration, refresh before the lifetime ends, Update,
 * Resolve, GetServiceInfo, Unregister). Every random choice and every GUID comes from the seed.
 */
export class PrcrResolver {
  readonly service: ResolverServiceCore;
  private readonly clients = new Map<number, ResolverClientCore>();
  private readonly guids: RandomSource;

  constructor(seed: number, now: () => number, registrationLifetimeMs: number) {
    const storeRandom = seededRandom(seed ^ 0x51c0);
    this.guids = seededRandom(seed ^ 0x9a1d);
    this.service = new ResolverServiceCore({
      store: new MemoryRegistrationStore({ random: () => randomFloat(storeRandom) }),
      now,
      newGuid: () => randomGuid(this.guids),
      registrationLifetimeMs,
    });
  }

  /** The client of node `i`, created on first use with a deterministic ClientId. */
  client(i: number): ResolverClientCore {
    let c = this.clients.get(i);
    if (c === undefined) {
      c = new ResolverClientCore({ ClientId: randomGuid(this.guids) });
      this.clients.set(i, c);
    }
    return c;
  }

  /** Forget a crashed node's client: nothing refreshes its registration any more. */
  drop(i: number): void {
    this.clients.delete(i);
  }

  /** Serve one request; a service error comes back as the error the client expects. */
  async serve(request: ResolverRequest): Promise<ResolverResponse | ResolverError> {
    try {
      return await this.service.handle(request);
    } catch (e) {
      return e instanceof ResolverError ? e : new ResolverError("Fault", String(e));
    }
  }

  /** Number of live registrations. */
  async registrations(): Promise<number> {
    return (await this.service.stats()).registrations;
  }
}
