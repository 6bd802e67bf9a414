import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ReceivedMessage } from "@prch/node";
import { CertificateValidator, createMeshCa, issueNodeCertificate } from "@prch/security";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Collab,
  CollabError,
  ContactManager,
  createContactCard,
  createEnvelope,
  createPerson,
  type HostRequest,
  personFromIdentity,
  type PeerRef,
  type PresenceStatus,
  type ReceivedInvitation,
  requestFrame,
  type SessionCredentials,
  sealCredentials,
} from "../src/index.js";
import { randomPort, until } from "./support.js";

const APP = "prch.test.chat";
let alice: Collab;
let bob: Collab;
let carol: Collab;
let dave: Collab;
const all: Collab[] = [];
let contactsPath = "";
let contacts: ContactManager;

beforeAll(async () => {
  const port = randomPort();
  const nearMe = { group: "239.255.80.68", port, interface: "127.0.0.1", intervalMs: 500 };
  const people = await Promise.all(["Alice", "Bob", "Carol", "Dave"].map((n) => createPerson(n)));
  contactsPath = join(tmpdir(), `prch-collab-flow-${port}.json`);
  contacts = await ContactManager.open({ path: contactsPath });
  for (const p of people) all.push(await Collab.start({ person: p, nearMe, contacts }));
  [alice, bob, carol, dave] = all as [Collab, Collab, Collab, Collab];
  // Alice knows Bob from his card: he is pinned; the others are not.
  await contacts.importCard(createContactCard(bob.person, bob.endpoints));
});
afterAll(async () => {
  await Promise.all(all.map((c) => c.close()));
  await rm(contactsPath, { force: true });
});

/** `c` as `viewer` sees it nearby. */
const peerOf = (c: Collab, viewer: Collab = alice): PeerRef => {
  const p = viewer.nearby().find((x) => x.pin === c.person.pin);
  if (!p) throw new Error(`${c.person.displayName} not nearby`);
  return p;
};

describe("the session flow over 127.0.0.1", () => {
  it("a contact seen nearby gets its current endpoints", async () => {
    // Bob's card was imported with his endpoints; make them stale, then wait for his next announcement.
    const shared = contacts;
    const c = shared.get(bob.person.pin);
    if (!c) throw new Error("bob is not a contact");
    await shared.add({ ...c, endpoints: ["tls://127.0.0.1:1"] });
    await until(
      () => shared.get(bob.person.pin)?.endpoints[0] === bob.endpoints[0],
      "refreshed endpoints",
    );
    await shared.flush();
    const onDisk = await ContactManager.open({ path: contactsPath });
    expect(onDisk.get(bob.person.pin)?.endpoints).toEqual([...bob.endpoints]);
  });

  it("everyone discovers everyone nearby", async () => {
    await until(() => all.every((c) => c.nearby().length === 3), "discovery");
    expect(
      alice
        .nearby()
        .map((p) => p.displayName)
        .sort(),
    ).toEqual(["Bob", "Carol", "Dave"]);
  });

  it("Bob asks Alice to host; she invites; accepted, declined, unanswered-and-cancelled; they chat", async () => {
    const requests: HostRequest[] = [];
    alice.on("hostRequest", (r: HostRequest) => requests.push(r));
    const bobSeesAlice = bob.nearby().find((p) => p.pin === alice.person.pin);
    if (!bobSeesAlice) throw new Error("bob does not see alice");
    await bob.requestHost(bobSeesAlice, APP, "let's chat");
    expect(requests).toHaveLength(1);
    expect(requests[0]?.from.displayName).toBe("Bob");
    expect(requests[0]?.message).toBe("let's chat");
    expect(requests[0]?.trust).toBe("pinned");

    const bobStarted: SessionCredentials[] = [];
    bob.applications.register({
      id: APP,
      name: "Chat",
      handler: async (inv) => {
        expect(inv.trust).toBe("untrusted");
        inv.on("started", (c: SessionCredentials) => bobStarted.push(c));
        await inv.accept();
      },
    });
    carol.applications.register({ id: APP, name: "Chat", handler: (inv) => inv.decline() });
    const daveInvites: ReceivedInvitation[] = [];
    const daveCancelled: string[] = [];
    dave.applications.register({
      id: APP,
      name: "Chat",
      handler: (inv) => {
        daveInvites.push(inv);
        inv.on("cancelled", () => daveCancelled.push(inv.id));
      },
    });

    const session = await alice.hostSession(APP);
    const requester = requests[0]?.from;
    if (!requester) throw new Error("no requester");
    await Promise.all([
      session.invite(requester, "join me"),
      session.invite(peerOf(carol), "join me"),
      session.invite(peerOf(dave), "join me"),
    ]);
    await until(() => session.inState("pending").length === 1, "two answers");
    await session.waitForResponses(500);
    expect(session.inState("accepted").map((s) => s.peer.displayName)).toEqual(["Bob"]);
    expect(session.inState("declined").map((s) => s.peer.displayName)).toEqual(["Carol"]);
    expect(session.inState("pending").map((s) => s.peer.displayName)).toEqual(["Dave"]);
    expect(daveInvites[0]?.message).toBe("join me");
    expect(daveInvites[0]?.applicationId).toBe(APP);

    const cancelled = await session.cancelOutstanding();
    expect(cancelled.map((c) => c.peer.displayName)).toEqual(["Dave"]);
    expect(daveCancelled).toHaveLength(1);
    // Dave answering afterwards changes nothing.
    await expect(daveInvites[0]?.accept()).rejects.toBeInstanceOf(CollabError);
    expect(session.inState("cancelled")).toHaveLength(1);
    expect(session.inState("accepted")).toHaveLength(1);

    const aliceNode = await session.start();
    await until(() => bobStarted.length === 1, "session-start at bob");
    const creds = bobStarted[0];
    if (!creds) throw new Error("no credentials");
    expect(creds.meshName).toBe(session.credentials.meshName);
    expect(creds.password).toBe(session.credentials.password);
    const bobNode = await bob.joinSession(creds);
    try {
      const got: string[] = [];
      bobNode
        .channel(`net.p2p://${creds.meshName}/chat`)
        .on("message", (m: ReceivedMessage) => got.push(m.text()));
      await until(() => aliceNode.neighbors().length > 0, "mesh link", 30_000);
      const ch = aliceNode.channel(`net.p2p://${creds.meshName}/chat`);
      for (let i = 0; i < 100 && got.length === 0; i++) {
        await ch.send("hello from the session");
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(got[0]).toBe("hello from the session");
    } finally {
      await bobNode.close();
      await session.close();
    }
  });

  it("presence changes reach subscribers, in order", async () => {
    const seen: string[] = [];
    carol.presence.on("changed", (p: PeerRef, s: PresenceStatus) =>
      seen.push(`${p.displayName}:${s.state}:${s.note}`),
    );
    const first = await carol.presence.subscribe(peerOf(alice, carol));
    expect(first.state).toBe("online");
    await bob.presence.subscribe(peerOf(alice, carol));
    expect(alice.presence.subscriberList()).toHaveLength(2);
    await alice.presence.publish("busy", "in a meeting");
    await alice.presence.publish("away", "");
    expect(seen).toEqual(["Alice:online:", "Alice:busy:in a meeting", "Alice:away:"]);
    expect(bob.presence.statusOf(alice.person.pin)?.state).toBe("away");
    await carol.presence.unsubscribe(peerOf(alice, carol));
    expect(alice.presence.subscriberList().map((p) => p.displayName)).toEqual(["Bob"]);
  });

  it("a subscriber cannot point presence pushes at another address", async () => {
    // Mallory claims an endpoint that is not where her request comes from (127.0.0.1).
    const mallory = await Collab.start({
      person: await createPerson("Mallory"),
      nearMe: false,
      advertise: ["tcp://10.77.0.250:7000"],
    });
    try {
      await expect(mallory.presence.subscribe(peerOf(alice, carol))).rejects.toMatchObject({
        code: "Refused",
      });
      expect(alice.presence.subscriberList().map((p) => p.displayName)).not.toContain("Mallory");
    } finally {
      await mallory.close();
    }
  });

  it("an invitation cannot be answered after it expires", async () => {
    const got: ReceivedInvitation[] = [];
    const app = "prch.test.expiry";
    dave.applications.register({ id: app, name: "Expiry", handler: (inv) => void got.push(inv) });
    const session = await alice.hostSession(app);
    try {
      // Long enough to arrive on a loaded machine; the state then turns by itself.
      await session.invite(peerOf(dave), "hurry", { expiresInMs: 1500 });
      await until(() => got.length === 1, "invitation");
      expect(got[0]?.state).toBe("pending");
      await until(() => got[0]?.state === "expired", "expiry");
      await expect(got[0]?.accept()).rejects.toMatchObject({ code: "Refused" });
      expect(session.inState("pending")).toHaveLength(1);
    } finally {
      await session.close();
      dave.applications.unregister(app);
    }
  });

  it("collectResponses cancels whoever has not answered in time", async () => {
    const session = await alice.hostSession(APP);
    try {
      await session.invite(peerOf(dave), "quick?");
      await session.invite(peerOf(carol), "quick?");
      const final = await session.collectResponses(1000);
      expect(final.map((s) => `${s.peer.displayName}:${s.state}`).sort()).toEqual([
        "Carol:declined",
        "Dave:cancelled",
      ]);
    } finally {
      await session.close();
    }
  });

  it("credentials sealed for another invitation or another invitee do not open", async () => {
    const bobRef = peerOf(bob);
    const carolRef = peerOf(carol);
    const creds = {
      sessionId: "s-1",
      meshName: "m",
      password: "p",
      resolver: "net.tcp://127.0.0.1:1/resolver",
    };
    const got: ReceivedInvitation[] = [];
    const other = "prch.test.other";
    bob.applications.register({ id: other, name: "Other", handler: (inv) => void got.push(inv) });
    const invite = (invitationId: string, credentials: unknown) =>
      alice.send(bobRef, "invite", {
        invitationId,
        sessionId: "s-1",
        applicationId: other,
        message: "m",
        expires: Date.now() + 60_000,
        credentials,
      });
    // Sealed to Bob, but for a different invitation id (cut and paste).
    await invite("inv-a", sealCredentials(creds, "inv-b", alice.person, bobRef));
    // Sealed to Carol's key.
    await invite("inv-c", sealCredentials(creds, "inv-c", alice.person, carolRef));
    await until(() => got.length === 2, "two invitations");
    for (const inv of got) {
      await expect(inv.accept()).rejects.toMatchObject({ code: "BadSignature" });
      expect(inv.state).toBe("pending");
    }
    bob.applications.unregister(other);
  });

  it("a forged invitation (Alice's certificate, someone else's key) is ignored", async () => {
    const mallory = await createPerson("Mallory");
    const got: ReceivedInvitation[] = [];
    const rejected: unknown[] = [];
    dave.on("invitation", (i: ReceivedInvitation) => got.push(i));
    dave.on("rejected", (e: unknown) => rejected.push(e));
    const env = createEnvelope(mallory, [], dave.person.pin, "invite", {
      invitationId: "x1",
      sessionId: "s1",
      applicationId: "other.app",
      message: "click me",
      expires: Date.now() + 60_000,
      credentials: {},
    });
    const forged = {
      ...env,
      from: { ...env.from, name: "Alice", cert: alice.person.identity.certificatePem },
    };
    const ep = dave.endpoints[0];
    if (!ep) throw new Error("no endpoint");
    await expect(
      requestFrame(ep, forged, {
        tls: {
          identity: { cert: mallory.identity.certificatePem, key: mallory.identity.privateKeyPem },
          expectedPin: dave.person.pin,
        },
      }),
    ).rejects.toMatchObject({ code: "Unreachable" });
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as CollabError).code).toBe("BadSignature");
    expect(got).toEqual([]);
    expect(dave.pendingInvitations()).toEqual([]);
  });

  it("presence of a person who leaves turns offline", async () => {
    const seen: string[] = [];
    bob.presence.on("changed", (p: PeerRef, s: PresenceStatus) =>
      seen.push(`${p.displayName}:${s.state}`),
    );
    await alice.close();
    expect(seen).toEqual(["Alice:offline"]);
  });
});

describe("plain TCP endpoints (tls: false)", () => {
  it("announce tcp:// and still carry signed messages", async () => {
    const [x, y] = await Promise.all([
      Collab.start({ person: await createPerson("X"), nearMe: false, tls: false }),
      Collab.start({ person: await createPerson("Y"), nearMe: false, tls: false }),
    ]);
    try {
      expect(x.endpoints[0]).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
      const xRef: PeerRef = {
        ...x.person,
        certificatePem: x.person.identity.certificatePem,
        endpoints: x.endpoints,
      };
      const s = await y.presence.subscribe(xRef);
      expect(s.state).toBe("online");
      expect(x.presence.subscriberList().map((p) => p.displayName)).toEqual(["Y"]);
    } finally {
      await Promise.all([x.close(), y.close()]);
    }
  });
});

describe("acceptFrom: trusted", () => {
  it("accepts pinned contacts and CA-issued people, refuses strangers", async () => {
    const ca = await createMeshCa();
    const validator = new CertificateValidator({ roots: [ca.certificatePem] });
    const dir = await mkdtemp(join(tmpdir(), "prch-collab-trust-"));
    const contacts = await ContactManager.open({ path: join(dir, "c.json"), validator });
    const pinnedPerson = await createPerson("Pinned");
    await contacts.importCard(createContactCard(pinnedPerson, []));
    const caPerson = personFromIdentity(
      "Issued",
      await issueNodeCertificate(ca, { subject: "CN=issued" }),
    );
    const host = await Collab.start({
      person: await createPerson("Strict"),
      nearMe: false,
      contacts,
      acceptFrom: "trusted",
    });
    const others = await Promise.all(
      [pinnedPerson, caPerson, await createPerson("Stranger")].map((person) =>
        Collab.start({ person, nearMe: false }),
      ),
    );
    const got: HostRequest[] = [];
    host.on("hostRequest", (r: HostRequest) => got.push(r));
    const hostRef: PeerRef = {
      ...host.person,
      certificatePem: host.person.identity.certificatePem,
      endpoints: host.endpoints,
    };
    try {
      const [pinned, issued, stranger] = others as [Collab, Collab, Collab];
      await pinned.requestHost(hostRef, APP, "p");
      await issued.requestHost(hostRef, APP, "i");
      await expect(stranger.requestHost(hostRef, APP, "s")).rejects.toMatchObject({
        code: "Refused",
      });
      await expect(stranger.presence.subscribe(hostRef)).rejects.toMatchObject({ code: "Refused" });
      expect(got.map((r) => `${r.from.displayName}:${r.trust}`)).toEqual([
        "Pinned:pinned",
        "Issued:chain",
      ]);
    } finally {
      await Promise.all([host, ...others].map((c) => c.close()));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
