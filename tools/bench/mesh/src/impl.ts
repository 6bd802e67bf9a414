import type { Topology } from "./topology.js";

/** Cumulative wire counters of one running mesh, since it started. */
export interface WireStats {
  /**
   * Bytes that crossed TCP sockets on loopback, all nodes together. Each byte is
   * counted once, at the socket that read it (both ends live in this process).
   */
  readonly bytes: number;
  /** Broadcast message copies received by all nodes together, duplicates included. */
  readonly copies: number;
}

/**
 * Called once per node and message when the implementation hands a broadcast
 * message to the application. `node` is the receiving node's index; `data` is the
 * payload exactly as published.
 */
export type DeliverListener = (node: number, data: Uint8Array) => void;

/** A running mesh of `size` nodes inside this process, all on 127.0.0.1. */
export interface Mesh {
  readonly size: number;
  /**
   * Resolves when every node has its links from the topology up and can flood
   * (e.g. the neighbours' subscriptions are known); rejects after `timeoutMs`.
   */
  waitFormed(timeoutMs: number): Promise<void>;
  /**
   * Broadcasts `data` from node `from` to every other node. Resolves when the
   * implementation's API is ready to accept the next message — that is its
   * backpressure; the benchmark never has more than one publish outstanding.
   * Must not keep a reference to `data` that the caller could later change: the
   * caller passes a fresh buffer every time.
   */
  publish(from: number, data: Uint8Array): Promise<void>;
  /** Installs the one delivery listener (replacing any earlier one). */
  onDeliver(listener: DeliverListener): void;
  /** Cumulative counters; the workload takes differences between two calls. */
  wireStats(): WireStats;
  /**
   * Optional implementation-specific counters for the JSON report (e.g. links
   * that dropped under load), cumulative since start.
   */
  counters?(): Record<string, number>;
  /** Closes every node and socket. */
  stop(): Promise<void>;
}

/** What an implementation gets to build its mesh. */
export interface MeshStartOptions {
  /** Who dials whom; every implementation gets the same topology for a seed. */
  readonly topology: Topology;
  /** The one topic / mesh name all nodes join. */
  readonly topic: string;
}

/** One contender in the benchmark (js-libp2p floodsub, gossipsub, prch …). */
export interface MeshImpl {
  /** Short name used on the command line and in the table, e.g. `floodsub`. */
  readonly name: string;
  /** One line saying what runs: stack, security, versions. */
  readonly description: string;
  /** Starts `topology.n` nodes and dials the links; resolves before formation completes. */
  start(options: MeshStartOptions): Promise<Mesh>;
}

/** A name the command line accepts but that cannot run in this build, with the reason. */
export interface UnavailableImpl {
  readonly name: string;
  readonly unavailable: string;
}
