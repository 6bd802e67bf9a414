import type { Guid, PeerNodeAddress, Register } from "../../src/index.js";

/** A fake clock the tests move by hand. */
export class Clock {
  t = 1_750_000_000_000;
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Deterministic GUIDs: 00000000-0000-4000-8000-{n as 12 hex digits}. */
export function guid(n: number): Guid {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
}

/** A GUID generator counting from `start`. */
export function guidSequence(start = 0x1000): () => Guid {
  let n = start;
  return () => guid(n++);
}

/** A node address with a unique path per `n`, as Windows builds them (…/PeerChannelEndpoints/{guid}). */
export function nodeAddress(n: number, host = "10.0.0.1", port = 31337): PeerNodeAddress {
  return {
    EndpointAddress: `net.tcp://${host}:${port}/PeerChannelEndpoints/${guid(n)}`,
    IPAddresses: [host, "fe80::1%4"],
  };
}

/** A Register body for client `n` in `mesh`. */
export function registerBody(n: number, mesh = "mesh.example"): Register {
  return { ClientId: guid(n), MeshId: mesh, NodeAddress: nodeAddress(n) };
}

export const MINUTE = 60_000;
