import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ResolverService } from "@prch/resolver-prcr";
import { createMeshCa, issueNodeCertificate } from "@prch/security";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Chat, ensureBuilt, until } from "./support.js";

// MC-PRCH end to end, the way users run it: one OS process per node (prch-chat), real
// sockets on 127.0.0.1, one resolver service. Maintenance is shortened to 3 s so a
// "maintenance cycle" fits a test; the protocol logic is Windows' own.
const N = 20;
const MAINTENANCE_MS = 3000;
const unitOnly = process.env.PRCH_UNIT_ONLY === "1";

let resolver: ResolverService;
const procs: Chat[] = [];

beforeAll(async () => {
  ensureBuilt();
  resolver = new ResolverService({ host: "127.0.0.1", port: 0 });
  await resolver.listen();
});

afterAll(async () => {
  for (const p of procs.splice(0)) if (p.alive) p.kill();
  await resolver.close();
});

async function startMesh(mesh: string, extra: (i: number) => string[]): Promise<Chat[]> {
  const nodes: Chat[] = [];
  for (let i = 0; i < N; i++) {
    const c = new Chat([
      "--mesh",
      mesh,
      "--name",
      `n${i}`,
      "--resolver",
      resolver.address,
      "--maintenance",
      String(MAINTENANCE_MS),
      "--linger",
      "200",
      ...extra(i),
    ]);
    procs.push(c);
    nodes.push(c);
    // Join in small groups so the resolver sees earlier members when later ones resolve.
    if (i % 5 === 4)
      await until(
        () => nodes.every((n) => n.err.includes("joined mesh")),
        "nodes to join",
        180_000,
      );
  }
  await until(() => nodes.every((n) => /\* online/.test(n.err)), `all ${N} nodes online`, 180_000);
  return nodes;
}

/** Every live node sends one line; every other live node must print each exactly once. */
async function everyoneHearsEveryone(nodes: readonly Chat[], tag: string): Promise<void> {
  const live = nodes.filter((n) => n.alive);
  const before = new Map(live.map((n) => [n, n.lines.length]));
  for (const [i, n] of live.entries()) n.say(`${tag} from ${i}`);
  const heard = (n: Chat) => n.lines.slice(before.get(n)).filter((l) => l.includes(`${tag} from`));
  await until(
    () => live.every((n) => heard(n).length >= live.length - 1),
    `${tag}: every line everywhere`,
    60_000,
  );
  await new Promise((r) => setTimeout(r, 500));
  live.forEach((n, i) => {
    const got = heard(n)
      .map((l) => l.replace(/^n\d+: /, ""))
      .sort();
    const want = live
      .map((_, j) => `${tag} from ${j}`)
      .filter((_, j) => j !== i)
      .sort();
    expect(got).toEqual(want);
  });
}

async function stopAll(nodes: readonly Chat[]): Promise<void> {
  await Promise.all(nodes.filter((n) => n.alive).map((n) => n.finish()));
}

describe.skipIf(unitOnly)(`${N} processes per security mode`, () => {
  it("mode none: a mesh forms and every message reaches every node exactly once", async () => {
    const nodes = await startMesh("procnone", () => []);
    await everyoneHearsEveryone(nodes, "m1");
    await stopAll(nodes);
  });

  it("mode password: the same over TLS with the PeerHashToken handshake", async () => {
    const nodes = await startMesh("procpass", () => ["--password", "correct horse"]);
    await everyoneHearsEveryone(nodes, "m1");
    await stopAll(nodes);
  });

  it("mode certificate: the same with mutual TLS to a mesh CA", async () => {
    const dir = mkdtempSync(join(tmpdir(), "prch-certs-"));
    const ca = await createMeshCa({ subject: "CN=test mesh CA" });
    writeFileSync(join(dir, "ca.pem"), ca.certificatePem);
    for (let i = 0; i < N; i++) {
      const id = await issueNodeCertificate(ca, { subject: `CN=n${i}` });
      writeFileSync(join(dir, `n${i}.pem`), id.certificatePem + id.chainPem.join(""));
      writeFileSync(join(dir, `n${i}.key`), id.privateKeyPem);
    }
    const nodes = await startMesh("proccert", (i) => [
      "--cert",
      join(dir, `n${i}.pem`),
      "--key",
      join(dir, `n${i}.key`),
      "--ca",
      join(dir, "ca.pem"),
    ]);
    await everyoneHearsEveryone(nodes, "m1");
    await stopAll(nodes);
  });

  it("kill 30%: the survivors keep receiving within one maintenance cycle; graceful leavers are forgotten", async () => {
    const nodes = await startMesh("prockill", () => []);
    await everyoneHearsEveryone(nodes, "before");
    const victims = nodes.filter((_, i) => i % 10 === 1 || i % 10 === 4 || i % 10 === 7);
    expect(victims.length).toBe(6);
    for (const v of victims) v.kill();
    // One maintenance cycle for the mesh to heal (nodes below MinNeighborCount act at once).
    await new Promise((r) => setTimeout(r, MAINTENANCE_MS));
    await everyoneHearsEveryone(nodes, "after");
    // A graceful close: its neighbors see LeavingMesh, and the resolver forgets it.
    const before = (await resolver.stats()).registrations;
    const leaver = nodes.find((n) => n.alive)!;
    expect(await leaver.finish()).toBe(0);
    await until(
      () => nodes.some((n) => n !== leaver && n.alive && n.err.includes("(LeavingMesh)")),
      "LeavingMesh seen",
    );
    let after = before;
    const deadline = Date.now() + 10_000;
    while (after >= before && Date.now() < deadline) {
      after = (await resolver.stats()).registrations;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(after).toBe(before - 1);
    await stopAll(nodes);
  });
});
