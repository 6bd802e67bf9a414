import { spawn } from "node:child_process";
import { join } from "node:path";
import { PeerNode } from "@prch/node";
import { ResolverService } from "@prch/resolver-prcr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Dashboard,
  type DashboardState,
  DemoMesh,
  type EventEntry,
  Observatory,
  parseDashboardArgs,
  startDashboard,
} from "../src/index.js";
import { ensureBuilt, http, post, SseClient, until } from "./support.js";

const latest = (c: SseClient) => c.of("state").at(-1) as DashboardState | undefined;
const locals = (s: DashboardState | undefined) => s?.nodes.filter((n) => n.kind === "local") ?? [];

describe("Observatory", () => {
  it("keeps the event log bounded", () => {
    const o = new Observatory({ meshName: "m", mode: "test", maxEvents: 50 });
    for (let i = 0; i < 1000; i++) o.note("control", `entry ${i}`);
    const log = o.events();
    expect(log.length).toBe(50);
    expect(log.at(-1)?.text).toBe("entry 999");
    expect(log.at(-1)?.seq).toBe(1000);
    expect(o.events(10).map((e) => e.text)).toEqual(
      Array.from({ length: 10 }, (_, i) => `entry ${990 + i}`),
    );
  });

  it("names link removals for a viewer: prune, refusal, leave, drop", () => {
    const o = new Observatory({ meshName: "m", mode: "test" });
    o.expect("a", "alice");
    o.expect("b", "bob");
    const view = (id: string, label: string, neighbors: string[]) => ({
      id,
      label,
      meshName: "m",
      endpoint: `net.tcp://127.0.0.1:1/PeerChannelEndpoints/${label}`,
      online: neighbors.length > 0,
      neighbors: neighbors.map((n) => ({
        id: n,
        state: "Connected",
        initiator: label === "alice",
        utility: label === "alice" ? 4096 : 1000,
        utilityUpdates: 3,
        pending: 0,
      })),
      counters: {
        messagesIn: 0,
        messagesOut: 0,
        duplicates: 0,
        forwarded: 0,
        throttlePauses: 0,
        throttled: false,
        tooSlowAborts: 0,
        pruned: 0,
        refusalsSent: 0,
        neighbors: neighbors.length,
        maintenanceRuns: 0,
      },
    });
    const A = "00000000000000aa";
    const B = "00000000000000bb";
    const C = "00000000000000cc";
    o.report("a", view(A, "alice", [B, C]));
    o.report("b", view(B, "bob", [A]));
    const s = o.state();
    // Both ends' reports merge into one link; the unobserved neighbor is a "remote" node.
    expect(s.links.map((l) => l.id)).toEqual([`${A}-${B}`, `${A}-${C}`]);
    expect(s.links[0]).toMatchObject({ state: "Connected", utility: 4096, measured: true });
    expect(s.links[0]?.fromA?.utility).toBe(4096);
    expect(s.links[0]?.fromB?.utility).toBe(1000);
    expect(s.nodes.find((n) => n.id === C)).toMatchObject({ kind: "remote", label: "000000" });
    const kinds = (reason: string) => {
      o.activity("a", { type: "neighborRemoved", peer: B, reason });
      return o.events(1)[0] as EventEntry;
    };
    expect(kinds("NotUsefulNeighbor")).toMatchObject({ kind: "prune", node: "alice", peer: "bob" });
    expect(kinds("NodeBusy").kind).toBe("refusal");
    expect(kinds("LeavingMesh").kind).toBe("leave");
    expect(kinds("RemoteClosed")).toMatchObject({ kind: "link-down", reason: "RemoteClosed" });
    o.remove("b", "kill");
    expect(o.events(1)[0]).toMatchObject({ kind: "kill", node: "bob" });
    // A gone node is still named in later lines.
    o.activity("a", { type: "neighborRemoved", peer: B, reason: "Faulted" });
    expect(o.events(1)[0]?.text).toContain("bob");
    expect(() => o.expect("a", "again")).toThrow(/already/);
  });
});

describe("prch-dashboard arguments", () => {
  it("parses both modes and rejects bad combinations", () => {
    expect(parseDashboardArgs(["--mesh", "chat"])).toMatchObject({
      mode: "observe",
      mesh: "chat",
      resolver: "net.tcp://127.0.0.1:8089/resolver",
      host: "127.0.0.1",
      port: 0,
    });
    expect(parseDashboardArgs(["--mesh", "m", "--host", "::1"])).toMatchObject({ host: "::1" });
    expect(parseDashboardArgs(["--demo", "5", "--port", "8080"])).toMatchObject({
      mode: "demo",
      nodes: 5,
      port: 8080,
      mesh: "demo",
    });
    expect(() => parseDashboardArgs([])).toThrow(/--mesh or --demo/);
    expect(() => parseDashboardArgs(["--demo", "0"])).toThrow(/1 to 32/);
    expect(() => parseDashboardArgs(["--demo", "3", "--resolver", "net.tcp://x/"])).toThrow();
    expect(() => parseDashboardArgs(["--demo", "3", "--host", "::1"])).toThrow();
    expect(() => parseDashboardArgs(["--mesh", "a b"])).toThrow(/mesh name/);
    expect(() => parseDashboardArgs(["--mesh", "m", "--port", "99999"])).toThrow(/--port/);
  });
});

describe("SSE stream over nodes of this process", () => {
  let resolver: ResolverService;
  const nodes: PeerNode[] = [];
  let dash: Dashboard;

  beforeAll(async () => {
    resolver = new ResolverService({ host: "127.0.0.1", port: 0 });
    await resolver.listen();
    for (let i = 0; i < 3; i++) {
      nodes.push(
        await PeerNode.open({
          meshName: "sse",
          resolver: resolver.address,
          listen: { host: "127.0.0.1" },
          addressPollMs: 0,
          config: { maintenanceRetryMs: 300 },
        }),
      );
    }
    for (const n of nodes) n.channel("net.p2p://sse/chat").on("message", () => undefined);
    dash = await startDashboard({
      meshName: "sse",
      nodes: nodes.map((node, i) => ({ node, label: ["ann", "ben", "cat"][i]! })),
      resolver: { address: resolver.address, service: resolver },
      maxClients: 2,
    });
  });
  afterAll(async () => {
    await dash?.close();
    await Promise.all(nodes.map((n) => n.close()));
    await resolver?.close();
  });

  it("streams the picture, counters, registrations and events", async () => {
    const c = new SseClient(`${dash.url}events`);
    expect(await c.opened).toBe(200);
    // The first message is the whole state; the log replay follows.
    await until(() => c.events.length > 0, 5000);
    expect(c.events[0]?.event).toBe("state");
    expect(c.of("log").some((e) => (e as EventEntry).kind === "join")).toBe(true);
    const formed = await until(() => {
      const s = latest(c);
      return locals(s).length === 3 && locals(s).every((n) => n.online) && s!.links.length >= 2;
    }, 40_000);
    expect(formed, JSON.stringify(latest(c))).toBe(true);
    // Link lines name both ends, also the links that formed while a node was being attached.
    const ups = (c.of("log") as EventEntry[]).filter((e) => e.kind === "link-up");
    expect(ups.length).toBeGreaterThanOrEqual(2);
    for (const e of ups) expect(["ann", "ben", "cat"]).toContain(e.peer);
    const regs = await until(() => latest(c)?.resolver?.registrations.length === 3, 10_000);
    expect(regs).toBe(true);
    expect(latest(c)?.resolver?.registrations.every((r) => r.nodeId !== undefined)).toBe(true);
    expect(latest(c)?.resolver?.service?.registrations).toBe(3);
    expect(latest(c)?.controls).toEqual({ addNode: false, killNode: false, burst: false });

    // Counters move as messages flow.
    for (let i = 0; i < 10; i++) nodes[0]!.channel("net.p2p://sse/chat").send(`m${i}`);
    const counted = await until(
      () =>
        locals(latest(c))
          .filter((n) => n.label !== "ann")
          .every((n) => (n.counters?.messagesIn ?? 0) >= 10),
      10_000,
    );
    expect(counted).toBe(true);
    expect(locals(latest(c)).find((n) => n.label === "ann")?.counters?.messagesOut).toBe(10);

    // A graceful close: the node goes from the picture and its neighbors log LeavingMesh.
    await nodes[2]!.close();
    const left = await until(() => locals(latest(c)).length === 2, 10_000);
    expect(left).toBe(true);
    const log = c.of("log") as EventEntry[];
    expect(log.some((e) => e.kind === "leave" && e.node === "cat")).toBe(true);
    await until(() => (c.of("log") as EventEntry[]).some((e) => e.reason === "LeavingMesh"), 5000);
    expect((c.of("log") as EventEntry[]).some((e) => e.reason === "LeavingMesh")).toBe(true);
    c.close();
  });

  it("caps the number of SSE clients", async () => {
    const a = new SseClient(`${dash.url}events`);
    const b = new SseClient(`${dash.url}events`);
    expect(await a.opened).toBe(200);
    expect(await b.opened).toBe(200);
    await until(() => dash.server.clients === 2, 5000);
    const third = await http(`${dash.url}events`);
    expect(third.status).toBe(503);
    a.close();
    await until(() => dash.server.clients === 1, 5000);
    const fourth = new SseClient(`${dash.url}events`);
    expect(await fourth.opened).toBe(200);
    b.close();
    fourth.close();
  });

  it("serves the page and its assets, and refuses what it does not offer", async () => {
    const page = await http(dash.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script src="/vendor/cytoscape.min.js"');
    const lib = await http(`${dash.url}vendor/cytoscape.min.js`);
    expect(lib.status).toBe(200);
    expect(lib.body.length).toBeGreaterThan(100_000);
    expect((await http(`${dash.url}app.js`)).status).toBe(200);
    expect((await http(`${dash.url}nope`)).status).toBe(404);
    // No controls in observer mode.
    expect((await post(`${dash.url}api/nodes`)).status).toBe(404);
    expect((await http(`${dash.url}`, { method: "PUT" })).status).toBe(405);
    // DNS rebinding: a page served under another name cannot read the dashboard.
    expect((await http(`${dash.url}api/state`, { headers: { host: "evil.example" } })).status).toBe(
      403,
    );
  });
});

describe("control endpoints of the demo", () => {
  let demo: DemoMesh;
  let dash: Dashboard;

  beforeAll(async () => {
    ensureBuilt();
    const observatory = new Observatory({ meshName: "ctl", mode: "demo" });
    demo = await DemoMesh.start(observatory, {
      meshName: "ctl",
      nodes: 2,
      maxNodes: 3,
      config: { maintenanceRetryMs: 300 },
      openTimeoutMs: 60_000,
    });
    dash = await startDashboard({ meshName: "ctl", observatory, controls: demo });
  }, 180_000);
  afterAll(async () => {
    await dash?.close();
    await demo?.close();
  });

  const state = async () =>
    (await http(`${dash.url}api/state`)).json() as {
      state: DashboardState;
      events: EventEntry[];
    };

  it("adds, bursts and kills", async () => {
    expect((await state()).state.controls).toEqual({ addNode: true, killNode: true, burst: true });
    const added = await post(`${dash.url}api/nodes`);
    expect(added.status).toBe(201);
    expect(added.json().label).toBe("carol");
    expect(locals((await state()).state).map((n) => n.label)).toEqual(["alice", "bob", "carol"]);
    // The quota: no fourth node.
    expect((await post(`${dash.url}api/nodes`)).status).toBe(503);

    await until(async () => locals((await state()).state).every((n) => n.online), 40_000);
    const burst = await post(`${dash.url}api/burst`, { count: 15 });
    expect(burst.status).toBe(200);
    const from = burst.json().from as string;
    const delivered = await until(async () => {
      const s = (await state()).state;
      return locals(s)
        .filter((n) => n.label !== from)
        .every((n) => (n.counters?.messagesIn ?? 0) >= 15);
    }, 40_000);
    expect(delivered).toBe(true);
    expect(locals((await state()).state).find((n) => n.label === from)?.counters?.messagesOut).toBe(
      15,
    );

    const victim = locals((await state()).state).find((n) => n.label === "bob")!;
    const killed = await post(`${dash.url}api/nodes/${victim.id}/kill`);
    expect(killed.status).toBe(200);
    expect(killed.json().label).toBe("bob");
    const after = await state();
    expect(locals(after.state).map((n) => n.label)).toEqual(["alice", "carol"]);
    expect(after.events.some((e) => e.kind === "kill" && e.node === "bob")).toBe(true);
    // Abrupt: the survivors saw the link drop, not a LeavingMesh.
    await until(
      async () => (await state()).events.some((e) => e.peer === "bob" && e.kind === "link-down"),
      10_000,
    );
    const drops = (await state()).events.filter((e) => e.peer === "bob" && e.reason);
    expect(drops.length).toBeGreaterThan(0);
    expect(drops.some((e) => e.reason === "LeavingMesh")).toBe(false);
    expect((await post(`${dash.url}api/nodes/${victim.id}/kill`)).status).toBe(404);
  });

  it("refuses malformed and cross-origin control requests", async () => {
    const url = `${dash.url}api/burst`;
    expect((await post(url, { count: 0 })).status).toBe(400);
    expect((await post(url, { count: 1e9 })).status).toBe(400);
    expect((await post(url, { count: "many" })).status).toBe(400);
    expect((await post(url, [1])).status).toBe(400);
    const raw = (headers: Record<string, string>, body = "{}") =>
      http(url, { method: "POST", headers, body });
    expect((await raw({ "content-type": "application/json" }, "{not json")).status).toBe(400);
    // A form post (what a foreign page can send without a preflight) is refused.
    expect((await raw({ "content-type": "application/x-www-form-urlencoded" })).status).toBe(415);
    expect(
      (await raw({ "content-type": "application/json", origin: "http://evil.example" })).status,
    ).toBe(403);
    expect(
      (await raw({ "content-type": "application/json" }, JSON.stringify({ pad: "x".repeat(5000) })))
        .status,
    ).toBe(413);
    expect((await post(`${dash.url}api/nodes/zz/kill`)).status).toBe(404);
  });
});

describe("prch-dashboard --mesh (a process observing a mesh)", () => {
  it("joins with a node of its own, shows its neighbor, and leaves on SIGTERM", async () => {
    ensureBuilt();
    const resolver = new ResolverService({ host: "127.0.0.1", port: 0 });
    await resolver.listen();
    const peer = await PeerNode.open({
      meshName: "watched",
      resolver: resolver.address,
      listen: { host: "127.0.0.1" },
      addressPollMs: 0,
      config: { maintenanceRetryMs: 300 },
    });
    const main = join(__dirname, "..", "dist", "main.js");
    const proc = spawn(
      process.execPath,
      [main, "--mesh", "watched", "--resolver", resolver.address, "--maintenance", "1000"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    proc.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    proc.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
    try {
      expect(await until(() => /dashboard: http:\/\/127\.0\.0\.1:\d+\//.test(out), 40_000)).toBe(
        true,
      );
      const url = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)![1]!;
      const peerId = peer.nodeId.toString(16).padStart(16, "0");
      const seen = await until(async () => {
        const s = (await http(`${url}api/state`)).json().state as DashboardState;
        return s.links.some((l) => (l.a === peerId || l.b === peerId) && l.state === "Connected");
      }, 40_000);
      expect(seen, out).toBe(true);
      const s = (await http(`${url}api/state`)).json().state as DashboardState;
      expect(s.mode).toBe("observer");
      expect(s.nodes.find((n) => n.kind === "local")?.label).toBe("dashboard");
      // The peer is not observed, only seen as the dashboard node's neighbor.
      expect(s.nodes.find((n) => n.id === peerId)?.kind).toBe("remote");
      expect(s.controls).toEqual({ addNode: false, killNode: false, burst: false });
      // SIGTERM: the dashboard's node leaves gracefully, so the peer hears LeavingMesh.
      const left = new Promise<string>((resolve) =>
        peer.once("neighborRemoved", (_id, reason) => resolve(reason)),
      );
      const exited = new Promise<number | null>((resolve) => proc.once("exit", resolve));
      proc.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(await left).toBe("LeavingMesh");
    } finally {
      proc.kill("SIGKILL");
      await peer.close();
      await resolver.close();
    }
  });
});
