import { once } from "node:events";
import { NetTcpListener, type ListenerOptions, type NetTcpConnection } from "../src/index.js";

/** A listener on 127.0.0.1 that collects ready connections. */
export async function startListener(options: ListenerOptions = {}) {
  const listener = new NetTcpListener({ host: "127.0.0.1", ...options });
  const accepted: NetTcpConnection[] = [];
  const waiters: ((c: NetTcpConnection) => void)[] = [];
  listener.on("connection", (c) => {
    const w = waiters.shift();
    if (w) w(c);
    else accepted.push(c);
  });
  const port = await listener.listen();
  const next = () =>
    new Promise<NetTcpConnection>((res) => {
      const c = accepted.shift();
      if (c) res(c);
      else waiters.push(res);
    });
  return { listener, port, next, uri: `net.tcp://127.0.0.1:${port}/PeerChannelEndpoints/test` };
}

/** Collects the next n envelopes of a connection. */
export function collect(conn: NetTcpConnection, n: number): Promise<Uint8Array[]> {
  const got: Uint8Array[] = [];
  return new Promise((res) => {
    const on = (p: Uint8Array) => {
      got.push(p);
      if (got.length >= n) {
        conn.off("envelope", on);
        res(got);
      }
    };
    conn.on("envelope", on);
  });
}

export { once };
