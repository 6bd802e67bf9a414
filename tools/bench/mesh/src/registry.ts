import type { MeshImpl, UnavailableImpl } from "./impl.js";
import { floodsubImpl, gossipsubImpl } from "./libp2p.js";
import { prchNoneImpl, prchPasswordImpl } from "./prch.js";

/** Every name `--impl` accepts, in the order they run. */
export const IMPLEMENTATIONS: readonly (MeshImpl | UnavailableImpl)[] = [
  prchNoneImpl,
  prchPasswordImpl,
  floodsubImpl,
  gossipsubImpl,
];

/** The default `--impl` list: everything, prch first. */
export const DEFAULT_IMPLS: readonly string[] = IMPLEMENTATIONS.map((i) => i.name);

export function isAvailable(i: MeshImpl | UnavailableImpl): i is MeshImpl {
  return !("unavailable" in i);
}

/** Looks names up; throws on a name that is not registered, listing the known ones. */
export function resolveImpls(
  names: readonly string[],
  registry: readonly (MeshImpl | UnavailableImpl)[] = IMPLEMENTATIONS,
): (MeshImpl | UnavailableImpl)[] {
  return names.map((name) => {
    const found = registry.find((i) => i.name === name);
    if (found === undefined) {
      throw new Error(
        `unknown implementation "${name}"; known: ${registry.map((i) => i.name).join(", ")}`,
      );
    }
    return found;
  });
}
