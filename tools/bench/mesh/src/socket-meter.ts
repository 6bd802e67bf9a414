import dc from "node:diagnostics_channel";
import type { Socket } from "node:net";

interface SocketMessage {
  readonly socket: Socket;
}

function isSocketMessage(m: unknown): m is SocketMessage {
  return typeof m === "object" && m !== null && "socket" in m;
}

/**
 * Counts the bytes that TCP sockets of this process read, from the moment
 * `start()` is called. It listens on Node's `net.client.socket` and
 * `net.server.socket` diagnostics channels, so it sees every socket any library
 * opens without wrapping that library. With both ends of every connection in
 * this process, the sum of bytes read equals the bytes that crossed loopback.
 * Sockets a library creates some other way (e.g. a TLS client socket that does
 * not go through `net.connect`) can be added with `track()`.
 */
export class SocketMeter {
  readonly #sockets = new Set<Socket>();
  readonly #onSocket = (m: unknown): void => {
    if (isSocketMessage(m)) this.#sockets.add(m.socket);
  };
  #running = false;

  /** Starts collecting sockets. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    dc.subscribe("net.client.socket", this.#onSocket);
    dc.subscribe("net.server.socket", this.#onSocket);
  }

  /** Stops collecting new sockets; counts of sockets already seen stay readable. */
  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    dc.unsubscribe("net.client.socket", this.#onSocket);
    dc.unsubscribe("net.server.socket", this.#onSocket);
  }

  /** Adds a socket the channels did not report. */
  track(socket: Socket): void {
    this.#sockets.add(socket);
  }

  /** Number of sockets seen so far. */
  get sockets(): number {
    return this.#sockets.size;
  }

  /** Bytes read so far by all sockets seen (closed ones keep their count). */
  bytesRead(): number {
    let sum = 0;
    for (const s of this.#sockets) sum += s.bytesRead;
    return sum;
  }
}
