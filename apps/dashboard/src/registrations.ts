import { ResolverClient, type ResolverService } from "@prch/resolver-prcr";
import type { RegistrationView, ResolverView } from "./model.js";
import type { Observatory } from "./observatory.js";

/** Options of {@link RegistrationWatcher}. */
export interface RegistrationWatcherOptions {
  /** The resolver's net.tcp address. */
  readonly address: string;
  readonly meshName: string;
  /** The service itself when it runs in this process: adds its counters. */
  readonly service?: ResolverService;
  /** How often to ask, ms. Default 2000. */
  readonly intervalMs?: number;
}

// The service clamps MaxAddresses to its maxResolveAddresses quota (100 by default), so
// larger meshes show a random sample of their registrations.
const MAX_ADDRESSES = 100;

/**
 * Keeps {@link Observatory.resolver} up to date: a Resolve for the mesh
 * through an ordinary {@link ResolverClient} (so it works with any MC-PRCR
 * service, local or remote) plus, for an in-process service, its own
 * counters. Its Resolve calls show up in the service's request counters.
 */
export class RegistrationWatcher {
  readonly #options: RegistrationWatcherOptions;
  readonly #observatory: Observatory;
  readonly #client: ResolverClient;
  #timer: NodeJS.Timeout | undefined;
  #busy = false;
  #closed = false;

  constructor(observatory: Observatory, options: RegistrationWatcherOptions) {
    this.#observatory = observatory;
    this.#options = options;
    this.#client = new ResolverClient({ address: options.address });
    observatory.resolver = { address: options.address, registrations: [] };
  }

  /** Starts polling; the first poll runs at once. */
  start(): void {
    void this.poll();
    this.#timer = setInterval(() => void this.poll(), this.#options.intervalMs ?? 2000);
    this.#timer.unref();
  }

  /** Asks the resolver once and updates the observatory. */
  async poll(): Promise<void> {
    if (this.#busy || this.#closed) return;
    this.#busy = true;
    try {
      const addresses = await this.#client.resolve(this.#options.meshName, MAX_ADDRESSES);
      const byEndpoint = new Map<string, string>();
      for (const key of this.#observatory.keys()) {
        const v = this.#observatory.view(key);
        if (v !== undefined) byEndpoint.set(v.endpoint.toLowerCase(), v.id);
      }
      const registrations: RegistrationView[] = addresses
        .map((a) => {
          const nodeId = byEndpoint.get(a.EndpointAddress.toLowerCase());
          return {
            endpoint: a.EndpointAddress,
            ips: [...a.IPAddresses],
            ...(nodeId !== undefined ? { nodeId } : {}),
          };
        })
        .sort((x, y) => x.endpoint.localeCompare(y.endpoint));
      const view: ResolverView = {
        address: this.#options.address,
        registrations,
        ...(this.#options.service !== undefined
          ? { service: await serviceView(this.#options.service) }
          : {}),
      };
      if (!this.#closed) this.#observatory.resolver = view;
    } catch (e) {
      if (!this.#closed) {
        this.#observatory.resolver = {
          address: this.#options.address,
          registrations: this.#observatory.resolver?.registrations ?? [],
          error: e instanceof Error ? e.message : String(e),
        };
      }
    } finally {
      this.#busy = false;
    }
    this.#observatory.touch();
  }

  /** Stops polling and closes the client. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#client.close().catch(() => undefined);
  }
}

async function serviceView(
  service: ResolverService,
): Promise<NonNullable<ResolverView["service"]>> {
  const stats = await service.stats();
  const c = service.counters().operations;
  return {
    meshes: stats.meshes,
    registrations: stats.registrations,
    registered: c.registered,
    unregistered: c.unregistered,
    expired: c.expired,
    requests: { ...c.requests },
  };
}
