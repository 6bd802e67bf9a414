import * as dgram from "node:dgram";
import fc from "fast-check";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createAnnouncement,
  createPerson,
  type NearbyPerson,
  PeopleNearMe,
  type Person,
} from "../src/index.js";
import { randomPort, until } from "./support.js";

// Multicast on the loopback interface only: the group never leaves this host.
const IFACE = "127.0.0.1";
const GROUP = "239.255.80.67";

let alice: Person;
let bob: Person;
let mallory: Person;
const open: PeopleNearMe[] = [];
beforeAll(async () => {
  [alice, bob, mallory] = await Promise.all([
    createPerson("Alice"),
    createPerson("Bob"),
    createPerson("Mallory"),
  ]);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

async function start(person: Person, port: number, extra: { intervalMs?: number } = {}) {
  const p = new PeopleNearMe({
    person,
    endpoints: [`tcp://127.0.0.1:${4000 + open.length}`],
    group: GROUP,
    port,
    interface: IFACE,
    intervalMs: extra.intervalMs ?? 500,
  });
  open.push(p);
  await p.start();
  return p;
}

function sendRaw(data: Buffer, port: number): Promise<void> {
  const s = dgram.createSocket("udp4");
  return new Promise((resolve) =>
    s.bind(0, IFACE, () => {
      s.setMulticastInterface(IFACE);
      s.setMulticastTTL(1);
      s.send(data, port, GROUP, () => s.close(() => resolve()));
    }),
  );
}

describe("People Near Me over multicast on 127.0.0.1", () => {
  it("two people see each other, with verified names and endpoints", async () => {
    const port = randomPort();
    const a = await start(alice, port);
    const b = await start(bob, port);
    const seen: NearbyPerson[] = [];
    a.on("appeared", (p: NearbyPerson) => seen.push(p));
    await until(() => a.nearby().length === 1 && b.nearby().length === 1, "mutual discovery");
    expect(a.nearby()[0]?.displayName).toBe("Bob");
    expect(a.nearby()[0]?.pin).toBe(bob.pin);
    expect(b.nearby()[0]?.endpoints).toEqual(["tcp://127.0.0.1:4000"]);
    expect(b.nearby()[0]?.address).toBe("127.0.0.1");
  });

  it("a goodbye makes the person disappear at once", async () => {
    const port = randomPort();
    const a = await start(alice, port);
    const b = await start(bob, port);
    await until(() => a.nearby().length === 1, "discovery");
    const gone: string[] = [];
    a.on("disappeared", (p: NearbyPerson, why: string) => gone.push(`${p.displayName}:${why}`));
    await b.close();
    await until(() => gone.length === 1, "goodbye");
    expect(gone).toEqual(["Bob:left"]);
    expect(a.nearby()).toEqual([]);
  });

  it("an announcement that expires disappears", async () => {
    const port = randomPort();
    const a = await start(alice, port);
    await sendRaw(createAnnouncement(bob, [], Date.now(), 1500), port);
    await until(() => a.nearby().length === 1, "short-lived announcement");
    const gone: string[] = [];
    a.on("disappeared", (_p: NearbyPerson, why: string) => gone.push(why));
    await until(() => gone.length === 1, "expiry", 10_000);
    expect(gone).toEqual(["expired"]);
  });

  it("ignores forged, expired, garbage and oversize announcements", async () => {
    const port = randomPort();
    const a = await start(alice, port, { intervalMs: 60_000 });
    // Bob's certificate and name, signed with Mallory's key.
    const real = JSON.parse(
      createAnnouncement(mallory, ["tcp://127.0.0.1:6666"], Date.now(), 30_000).toString(),
    );
    const forged = { ...real, name: "Bob", cert: bob.identity.certificatePem };
    await sendRaw(Buffer.from(JSON.stringify(forged)), port);
    // A real announcement of Bob's, altered after signing.
    const tampered = JSON.parse(
      createAnnouncement(bob, ["tcp://127.0.0.1:1"], Date.now(), 30_000).toString(),
    );
    tampered.endpoints = ["tcp://127.0.0.1:6666"];
    await sendRaw(Buffer.from(JSON.stringify(tampered)), port);
    await sendRaw(createAnnouncement(bob, [], Date.now() - 60_000, 30_000), port);
    await sendRaw(Buffer.from("not json"), port);
    await sendRaw(Buffer.alloc(9000, 0x20), port);
    const r = a.statistics.rejected;
    await until(
      () => r["bad-signature"] === 2 && r.expired === 1 && r.malformed === 1 && r.oversize === 1,
      "five rejections",
    );
    expect(a.nearby()).toEqual([]);
    expect(a.statistics.accepted).toBe(0);
  });

  it("drops datagrams beyond the per-source rate before verifying them", async () => {
    const port = randomPort();
    const a = new PeopleNearMe({
      person: alice,
      endpoints: [],
      group: GROUP,
      port,
      interface: IFACE,
      intervalMs: 60_000,
      maxPerSourcePerSecond: 3,
    });
    open.push(a);
    await a.start();
    const junk = Buffer.from("{}");
    const s = dgram.createSocket("udp4");
    await new Promise<void>((r) => s.bind(0, IFACE, () => r()));
    s.setMulticastInterface(IFACE);
    for (let i = 0; i < 10; i++) await new Promise((r) => s.send(junk, port, GROUP, r));
    s.close();
    const r = a.statistics.rejected;
    await until(() => r.rate + r.malformed === 10, "ten datagrams");
    // However the ten fall across one-second windows, at most three per window are parsed
    // (our own looped-back announcement shares 127.0.0.1's budget).
    expect(r.malformed).toBeLessThanOrEqual(6);
    expect(r.malformed).toBeGreaterThanOrEqual(1);
    expect(r.rate).toBeGreaterThanOrEqual(4);
  });

  it("never accepts a signed announcement with any one field changed", async () => {
    const port = randomPort();
    const a = new PeopleNearMe({
      person: alice,
      endpoints: [],
      group: GROUP,
      port,
      interface: IFACE,
      intervalMs: 60_000,
      maxPerSecond: 10_000,
      maxPerSourcePerSecond: 10_000,
    });
    open.push(a);
    await a.start();
    const base = JSON.parse(
      createAnnouncement(bob, ["tls://127.0.0.1:9"], Date.now(), 30_000).toString(),
    );
    const fields = ["kind", "v", "name", "cert", "endpoints", "issued", "expires", "bye", "sig"];
    const s = dgram.createSocket("udp4");
    await new Promise<void>((r) => s.bind(0, IFACE, () => r()));
    s.setMulticastInterface(IFACE);
    let sent = 0;
    await until(() => a.statistics.received >= 1, "own announcement");
    const received0 = a.statistics.received;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...fields),
          fc.jsonValue({ maxDepth: 2 }),
          async (field, value) => {
            if (JSON.stringify(base[field]) === JSON.stringify(value)) return;
            const mutated = { ...base, [field]: value };
            sent++;
            await new Promise((r) => s.send(Buffer.from(JSON.stringify(mutated)), port, GROUP, r));
            // One at a time: a burst would overflow the socket buffer and lose datagrams.
            await until(() => a.statistics.received >= received0 + sent, "datagram arrival", 5000);
          },
        ),
        { numRuns: 200 },
      );
    } finally {
      s.close();
    }
    const st = a.statistics;
    const rejected = () => Object.values(st.rejected).reduce((x, y) => x + y, 0);
    await until(() => rejected() >= sent, "every mutation rejected");
    expect(st.accepted).toBe(0);
    expect(a.nearby()).toEqual([]);
  });

  it("keeps the table bounded and never goes back to an older announcement", async () => {
    const port = randomPort();
    const a = new PeopleNearMe({
      person: alice,
      endpoints: [],
      group: GROUP,
      port,
      interface: IFACE,
      intervalMs: 60_000,
      maxPeople: 1,
    });
    open.push(a);
    await a.start();
    const now = Date.now();
    await sendRaw(createAnnouncement(bob, ["tcp://127.0.0.1:2"], now, 30_000), port);
    await until(() => a.nearby().length === 1, "bob");
    await sendRaw(createAnnouncement(bob, ["tcp://127.0.0.1:1"], now - 1000, 30_000), port);
    await sendRaw(createAnnouncement(mallory, [], now, 30_000), port);
    await until(() => a.statistics.rejected.full === 1, "table full");
    expect(a.nearby().map((p) => p.endpoints)).toEqual([["tcp://127.0.0.1:2"]]);
  });
});
