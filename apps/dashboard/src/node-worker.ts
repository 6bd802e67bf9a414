import { PeerNode } from "@prch/node";
import { activityView, nodeView } from "./model.js";
import type { FromWorker, ToWorker } from "./worker-protocol.js";

/**
 * One demo node in a process of its own, so that "kill" can be what it is on
 * a real network: SIGKILL, the OS closes the sockets, and the neighbors learn
 * of it from the transport, never from a Disconnect(LeavingMesh).
 */
let node: PeerNode | undefined;
let label = "";
let lastView = "";

function post(m: FromWorker): void {
  if (process.connected) process.send?.(m);
}

function pushView(force = false): void {
  if (node === undefined) return;
  const view = nodeView(label, node.snapshot());
  const s = JSON.stringify(view);
  if (!force && s === lastView) return;
  lastView = s;
  post({ t: "view", view });
}

async function open(m: Extract<ToWorker, { t: "open" }>): Promise<void> {
  label = m.label;
  node = await PeerNode.open({
    meshName: m.meshName,
    resolver: m.resolver,
    listen: { host: "127.0.0.1" },
    addressPollMs: 0,
    ...(m.config !== undefined ? { config: m.config } : {}),
  });
  // Messages count as delivered only on a channel the node has opened.
  node.channel(`net.p2p://${m.meshName}/chat`).on("message", () => undefined);
  node.observe((a) => {
    post({ t: "activity", activity: activityView(a) });
    pushView();
  });
  setInterval(() => pushView(), 250);
  post({ t: "ready", view: nodeView(label, node.snapshot()) });
}

async function burst(count: number): Promise<void> {
  const n = node;
  if (n === undefined) return;
  const ch = n.channel(`net.p2p://${n.meshName}/chat`);
  for (let i = 0; i < count; i++) {
    ch.send(`${label}: burst message ${i + 1} of ${count}`);
    // Yield now and then so links drain and the view keeps flowing during big bursts.
    if (i % 50 === 49) await new Promise((r) => setImmediate(r));
  }
  pushView();
}

// The demo is gone (exited or crashed): do not live on as an orphan.
process.on("disconnect", () => process.exit(0));
process.on("message", (raw: unknown) => {
  const m = raw as ToWorker;
  const run =
    m.t === "open"
      ? open(m)
      : m.t === "burst"
        ? burst(m.count)
        : (node?.close() ?? Promise.resolve()).then(() => process.exit(0));
  run.catch((e: unknown) => {
    post({ t: "error", message: e instanceof Error ? e.message : String(e) });
    if (m.t === "open") setTimeout(() => process.exit(1), 50);
  });
});
