import { type FloodMessage, MeshEngine, seededRandom } from "@prch/mesh-core";
import { meshShape, messageReport } from "./metrics.js";
import { SIM_VIA, type SimOptions, type SimPayload, Simulator, simAddress } from "./sim.js";

/** One column of the figures table. */
export interface FloodFigures {
  readonly label: string;
  readonly nodes: number;
  readonly messages: number;
  /** Mean fraction of nodes reached. */
  readonly reach: number;
  /** Worst time to 99% / 100% delivery over the messages, ms. */
  readonly t99Ms: number;
  readonly t100Ms: number;
  /** Largest hop count of a first copy (hops to 100% delivery). */
  readonly hopsTo100: number;
  /** Mean extra copies per delivered node. */
  readonly duplicatesPerDelivery: number;
  /** Flood messages processed (every arriving copy). */
  readonly processed: number;
  /** Mean CPU time per processed flood message in the node logic, µs. */
  readonly cpuUsPerMessage: number;
  /** Median of the same, µs (robust against GC pauses and preemption). */
  readonly cpuUsMedian: number;
}

/** Isolated CPU cost of one processed flood copy (process CPU time, not wall time), µs. */
export interface MicroBench {
  readonly engineUs: number;
  readonly naiveUs: number;
  readonly copies: number;
}

export interface FiguresResult {
  readonly micro: MicroBench;
  readonly engine: FloodFigures;
  readonly naive: FloodFigures;
  readonly meanDegree: number;
  readonly degrees: Map<number, number>;
  readonly buildWallMs: number;
  readonly heapPerNodeBytes: number | undefined;
  readonly warmupMs: number;
}

function summarise(label: string, sim: Simulator, msgs: readonly number[]): FloodFigures {
  const reps = msgs.map((m) => messageReport(sim, sim.tracks[m]!));
  const mean = (f: (r: (typeof reps)[number]) => number) =>
    reps.reduce((s, r) => s + f(r), 0) / Math.max(1, reps.length);
  const max = (f: (r: (typeof reps)[number]) => number) =>
    reps.reduce((s, r) => Math.max(s, f(r)), Number.NEGATIVE_INFINITY);
  const processed = reps.reduce((s, r) => s + sim.tracks[r.msg]!.arrivals, 0);
  return {
    label,
    nodes: sim.nodes.length,
    messages: reps.length,
    reach: mean((r) => r.reach),
    t99Ms: max((r) => r.t99),
    t100Ms: max((r) => r.t100),
    hopsTo100: max((r) => r.maxHops),
    duplicatesPerDelivery: mean((r) => r.duplicatesPerDelivery),
    processed,
    cpuUsPerMessage:
      sim.cpu.floodCalls === 0 ? 0 : Number(sim.cpu.floodNs) / 1000 / sim.cpu.floodCalls,
    cpuUsMedian: median(sim.cpu.samples) / 1000,
  };
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = Float64Array.from(xs).sort();
  return s[Math.floor(s.length / 2)]!;
}

/**
 * One node with five neighbors processes `n` unique floods, each arriving twice (one new copy,
 * one duplicate), in the engine and in the naive forwarder. Measured with process CPU time so a
 * busy machine does not inflate it.
 */
export function microBench(n = 100_000): MicroBench {
  const engine = new MeshEngine<SimPayload>({
    meshName: "SimMesh",
    address: simAddress(0),
    random: seededRandom(1),
    channels: [{ via: SIM_VIA }],
  });
  engine.handle({ type: "open" }, 0);
  const conns: number[] = [];
  for (let i = 1; i <= 5; i++) {
    const conn = engine.newConnectionId();
    engine.handle({ type: "connectionOpened", conn, direction: "incoming" }, 0);
    engine.handle(
      {
        type: "messageReceived",
        conn,
        msg: { kind: "Connect", NodeId: BigInt(i), Address: simAddress(i) },
      },
      0,
    );
    conns.push(conn);
  }
  const msgs: FloodMessage<SimPayload>[] = [];
  for (let k = 0; k < 2 * n; k++) {
    msgs.push({
      kind: "Flood",
      MessageID: `urn:uuid:11111111-2222-4333-8444-${k.toString(16).padStart(12, "0")}`,
      FloodMessage: "PeerFlooder",
      PeerVia: SIM_VIA,
      PeerTo: SIM_VIA,
      size: 512,
      payload: { msg: k },
    });
  }
  const run = (from: number) => {
    const c0 = process.cpuUsage();
    for (let k = from; k < from + n; k++) {
      const msg = msgs[k]!;
      engine.handle({ type: "messageReceived", conn: conns[k % 5]!, msg }, 1000);
      engine.handle({ type: "messageReceived", conn: conns[(k + 1) % 5]!, msg }, 1000);
    }
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / (2 * n);
  };
  run(0); // warm-up
  const engineUs = run(n);
  const seen = new Set<number>();
  const links = [1, 2, 3, 4, 5];
  let sink = 0;
  const c0 = process.cpuUsage();
  for (let k = 0; k < n; k++) {
    for (let copy = 0; copy < 2; copy++) {
      const m = msgs[k]!.payload.msg;
      if (!seen.has(m)) {
        seen.add(m);
        for (const l of links) sink += l; // choose every link as a target
      }
    }
  }
  const c = process.cpuUsage(c0);
  if (sink !== 15 * n) throw new Error("naive micro-benchmark miscounted");
  return { engineUs, naiveUs: (c.user + c.system) / (2 * n), copies: 2 * n };
}

function heapUsed(): number {
  const g = globalThis as { gc?: () => void };
  g.gc?.();
  return process.memoryUsage().heapUsed;
}

/**
 * Build an N-node mesh with the engine, flood `messages` messages through it, then flood the same
 * messages over the same links (same latencies) with a naive forward-to-all-neighbors node, and
 * report both.
 */
export async function runFigures(
  nodes = 10_000,
  messages = 20,
  options: Partial<SimOptions> = {},
  warmupMs = 0,
): Promise<FiguresResult> {
  const gcAvailable = typeof (globalThis as { gc?: unknown }).gc === "function";
  const heap0 = heapUsed();
  const wall0 = Date.now();
  const sim = new Simulator({ seed: 2026, ...options });
  const joinEvery = 10;
  sim.addNodes(nodes, (i) => i * joinEvery);
  // Let the mesh live through one periodic maintenance run (5 min) before flooding.
  await sim.runUntil(nodes * joinEvery + 360_000);
  if (warmupMs > 0) {
    // Background traffic (one message every 5 s) makes link utilities trusted, so maintenance
    // prunes the mesh towards IdealNeighborCount (MC-PRCH §3.1.6.4.2).
    const from = sim.now;
    for (let t = 0, k = 0; t < warmupMs; t += 5000, k++) {
      sim.at(from + t, () => {
        let pick = (k * 104_729) % nodes;
        for (let tries = 0; tries < nodes && !sim.nodes[pick]!.alive; tries++)
          pick = (pick + 1) % nodes;
        sim.broadcast(pick);
      });
    }
    await sim.runUntil(from + warmupMs + 30_000);
  }
  const heap1 = heapUsed();
  const buildWallMs = Date.now() - wall0;
  const shape = meshShape(sim);

  const start = sim.now;
  sim.options.measureCpu = true;
  const engineMsgs: number[] = [];
  const senders: number[] = [];
  for (let k = 0; k < messages; k++) senders.push((k * 7919) % nodes);
  for (let k = 0; k < messages; k++) {
    sim.at(start + k * 2000, () => engineMsgs.push(sim.broadcast(senders[k]!)));
  }
  await sim.runUntil(start + messages * 2000 + 30_000);
  const engine = summarise("mesh-core engine", sim, engineMsgs);

  const naive = new Simulator({ ...sim.options, measureCpu: true }, "naive");
  naive.addNodes(nodes, () => 0);
  await naive.runUntil(0);
  for (const [i, j, latency] of sim.edges()) naive.linkNaive(i, j, latency);
  const naiveMsgs: number[] = [];
  for (let k = 0; k < messages; k++) {
    naive.at(k * 2000, () => naiveMsgs.push(naive.broadcast(senders[k]!)));
  }
  await naive.runUntil(messages * 2000 + 30_000);
  const naiveFigures = summarise("naive flood-to-all", naive, naiveMsgs);

  return {
    micro: microBench(),
    engine,
    naive: naiveFigures,
    meanDegree: shape.meanDegree,
    degrees: shape.degrees,
    buildWallMs,
    warmupMs,
    heapPerNodeBytes: gcAvailable ? (heap1 - heap0) / nodes : undefined,
  };
}

/** Render the side-by-side table. */
export function renderFigures(r: FiguresResult): string {
  const rows: [string, (f: FloodFigures) => string][] = [
    ["nodes", (f) => String(f.nodes)],
    ["messages flooded", (f) => String(f.messages)],
    ["reach (mean)", (f) => `${(f.reach * 100).toFixed(2)}%`],
    ["time to 99% (worst), ms", (f) => f.t99Ms.toFixed(1)],
    ["time to 100% (worst), ms", (f) => f.t100Ms.toFixed(1)],
    ["hops to 100% (worst)", (f) => String(f.hopsTo100)],
    ["duplicates per delivered message", (f) => f.duplicatesPerDelivery.toFixed(3)],
    ["flood copies processed", (f) => String(f.processed)],
    ["CPU per processed message, mean µs", (f) => f.cpuUsPerMessage.toFixed(2)],
    ["CPU per processed message, median µs", (f) => f.cpuUsMedian.toFixed(2)],
  ];
  const w0 = Math.max(...rows.map(([k]) => k.length));
  const cols = [r.engine, r.naive];
  const cells = rows.map(([, f]) => cols.map(f));
  const w = cols.map((c, i) => Math.max(c.label.length, ...cells.map((row) => row[i]!.length)));
  const line = (k: string, vs: string[]) =>
    `${k.padEnd(w0)}  ${vs.map((v, i) => v.padStart(w[i]!)).join("  ")}`;
  const out = [
    line(
      "",
      cols.map((c) => c.label),
    ),
  ];
  rows.forEach(([k], i) => {
    out.push(line(k, cells[i]!));
  });
  out.push(
    line("isolated CPU per processed copy, µs", [
      r.micro.engineUs.toFixed(2),
      r.micro.naiveUs.toFixed(2),
    ]),
  );
  out.push("");
  out.push(
    `(mean/median: wall-clock time of each call inside the ${r.engine.nodes}-node run, inflated by GC and a busy machine;`,
  );
  out.push(
    ` isolated: process CPU time of ${r.micro.copies} copies at one node with 5 neighbors, half of them duplicates)`,
  );
  out.push(
    `mesh built by the engine in ${(r.buildWallMs / 1000).toFixed(1)} s wall time` +
      (r.warmupMs > 0
        ? `, after ${r.warmupMs / 1000} s of background traffic`
        : ", no background traffic"),
  );
  out.push(
    `degree distribution: ${[...r.degrees].map(([d, k]) => `${d}:${k}`).join(" ")} (mean ${r.meanDegree.toFixed(2)})`,
  );
  out.push(
    r.heapPerNodeBytes === undefined
      ? "heap per node: run with --expose-gc to measure"
      : `heap per node (engine + simulator host, after join): ${(r.heapPerNodeBytes / 1024).toFixed(1)} KiB`,
  );
  return out.join("\n");
}
