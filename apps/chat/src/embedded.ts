import { connect } from "node:net";
import { ResolverService } from "@prch/resolver-prcr";

/** Where prch-chat looks for (and otherwise starts) its resolver when none is given. */
export const DEFAULT_RESOLVER_PORT = 8089;
export const DEFAULT_RESOLVER = `net.tcp://127.0.0.1:${DEFAULT_RESOLVER_PORT}/resolver`;

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.setTimeout(1000);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("timeout", () => {
      s.destroy();
      resolve(false);
    });
    s.once("error", () => resolve(false));
  });
}

/**
 * Finds a resolver on the default local port, or starts an embedded one
 * there, so that two terminals chat with zero set-up. Returns the service
 * when this process hosts it (it must then stay up while others use it).
 */
export async function findOrStartResolver(): Promise<{
  address: string;
  service?: ResolverService;
}> {
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await answers(DEFAULT_RESOLVER_PORT)) return { address: DEFAULT_RESOLVER };
    const service = new ResolverService({ host: "127.0.0.1", port: DEFAULT_RESOLVER_PORT });
    try {
      await service.listen();
      return { address: service.address, service };
    } catch {
      // Another process won the race for the port: use its resolver.
      await service.close().catch(() => undefined);
    }
  }
  throw new Error(
    `no resolver answers on 127.0.0.1:${DEFAULT_RESOLVER_PORT} and none could be started`,
  );
}
