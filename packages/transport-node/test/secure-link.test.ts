import {
  CertificateValidator,
  createMeshCa,
  createSelfSignedIdentity,
  issueNodeCertificate,
  type NodeIdentity,
  type PeerSecurity,
} from "@prch/security";
import { createPingMessage, type Message } from "@prch/soap";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  acceptPeerVia,
  connectNetTcp,
  connectorTlsFor,
  dialNeighbor,
  MessageChannel,
  NeighborListener,
  nodeEndpointUri,
  TransportError,
} from "../src/index.js";

let alice: NodeIdentity;
let bob: NodeIdentity;
let caNode1: NodeIdentity;
let caNode2: NodeIdentity;
let otherNode: NodeIdentity;
let validator: CertificateValidator;

beforeAll(async () => {
  [alice, bob] = await Promise.all([createSelfSignedIdentity(), createSelfSignedIdentity()]);
  const [ca, other] = await Promise.all([createMeshCa(), createMeshCa()]);
  [caNode1, caNode2, otherNode] = await Promise.all([
    issueNodeCertificate(ca, { subject: "CN=node1" }),
    issueNodeCertificate(ca, { subject: "CN=node2" }),
    issueNodeCertificate(other, { subject: "CN=intruder" }),
  ]);
  validator = new CertificateValidator({ roots: [ca.certificatePem] });
});

interface Node {
  listener: NeighborListener;
  uri: string;
  links: MessageChannel[];
  rejected: TransportError[];
  nextLink(): Promise<MessageChannel>;
  nextRejection(): Promise<TransportError>;
}

const open: Node[] = [];
afterAll(async () => {
  for (const n of open) await n.listener.close();
});

async function node(security: PeerSecurity): Promise<Node> {
  const guidUri = nodeEndpointUri("127.0.0.1", 0);
  const listener = new NeighborListener({
    host: "127.0.0.1",
    security,
    acceptVia: acceptPeerVia(guidUri),
    to: "net.p2p://mesh/",
  });
  const port = await listener.listen();
  const uri = guidUri.replace(":0/", `:${port}/`);
  const links: MessageChannel[] = [];
  const rejected: TransportError[] = [];
  const linkWaiters: ((c: MessageChannel) => void)[] = [];
  const rejectWaiters: ((e: TransportError) => void)[] = [];
  listener.on("link", (c) => {
    const w = linkWaiters.shift();
    if (w) w(c);
    else links.push(c);
  });
  listener.on("rejected", (e) => {
    const w = rejectWaiters.shift();
    if (w) w(e);
    else rejected.push(e);
  });
  const n: Node = {
    listener,
    uri,
    links,
    rejected,
    nextLink: () =>
      new Promise((res) => {
        const c = links.shift();
        if (c) res(c);
        else linkWaiters.push(res);
      }),
    nextRejection: () =>
      new Promise((res) => {
        const e = rejected.shift();
        if (e) res(e);
        else rejectWaiters.push(res);
      }),
  };
  open.push(n);
  return n;
}

function dial(n: Node, security: PeerSecurity, uri = n.uri) {
  return dialNeighbor(
    { endpointAddress: uri, ipAddresses: ["127.0.0.1"] },
    { security, to: "net.p2p://mesh/" },
  );
}

/** Sends a Ping right after the link is up and checks the other side gets it (nothing lost after the handshake). */
async function pingAcross(from: MessageChannel, to: MessageChannel): Promise<Message> {
  const got = new Promise<Message>((res) => to.once("message", res));
  to.resumeReading();
  from.resumeReading();
  from.send(createPingMessage({ to: "net.p2p://mesh/" }));
  return got;
}

describe("neighbor links", () => {
  it("mode none: plain net.tcp, messages flow at once", async () => {
    const n = await node({ mode: "none" });
    const c = await dial(n, { mode: "none" });
    // Sent before the listener side has even been handed its link.
    c.send(createPingMessage({ to: "net.p2p://mesh/" }));
    const s = await n.nextLink();
    const got = new Promise<Message>((res) => s.once("message", res));
    s.resumeReading();
    expect((await got).action).toContain("Ping");
    expect(c.tlsSocket).toBeUndefined();
    await c.end();
  });

  it("mode none: a Via for another node's path gets EndpointNotFound", async () => {
    const n = await node({ mode: "none" });
    const wrong = n.uri.replace(/PeerChannelEndpoints\/.*/, "PeerChannelEndpoints/other");
    const e = await dial(n, { mode: "none" }, wrong).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransportError);
    // EndpointNotFound is transient (next IP), so with one IP it ends as ConnectFailed.
    expect((e as TransportError).code).toBe("ConnectFailed");
    // The path is compared case-insensitively.
    const c = await dial(n, { mode: "none" }, n.uri.toUpperCase().replace("NET.TCP", "net.tcp"));
    await n.nextLink();
    c.abort();
  });

  it("password mode: the right password authenticates both sides over TLS", async () => {
    const n = await node({ mode: "password", identity: bob, password: "mesh secret" });
    const c = await dial(n, { mode: "password", identity: alice, password: " mesh secret " });
    const s = await n.nextLink();
    expect(c.tlsSocket).toBeDefined();
    expect(s.tlsSocket).toBeDefined();
    expect((await pingAcross(c, s)).action).toContain("Ping");
    expect((await pingAcross(s, c)).action).toContain("Ping");
    await c.end();
  });

  it("password mode: a wrong password is aborted by the responder without a reply", async () => {
    const n = await node({ mode: "password", identity: bob, password: "mesh secret" });
    const rejection = n.nextRejection();
    const e = await dial(n, { mode: "password", identity: alice, password: "guess" }).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(TransportError);
    expect((e as TransportError).code).toBe("SecurityFailed");
    const r = await rejection;
    expect(r.code).toBe("SecurityFailed");
    expect(r.message).toMatch(/PeerHashToken/);
    expect(n.links.length).toBe(0);
  });

  it("password mode: a client that skips the TLS upgrade is dropped", async () => {
    const n = await node({ mode: "password", identity: bob, password: "mesh secret" });
    const rejection = n.nextRejection();
    const e = await dial(n, { mode: "none" }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransportError);
    expect((await rejection).code).toBe("SecurityFailed");
  });

  it("certificate mode: mutual TLS between nodes of the mesh CA", async () => {
    const n = await node({ mode: "certificate", identity: caNode2, validator });
    const c = await dial(n, { mode: "certificate", identity: caNode1, validator });
    const s = await n.nextLink();
    expect(c.peerCertificate?.subject.CN).toBe("node2");
    expect(s.peerCertificate?.subject.CN).toBe("node1");
    expect((await pingAcross(c, s)).action).toContain("Ping");
    await c.end();
  });

  it("certificate mode: a node from another CA is refused by the listener", async () => {
    const n = await node({ mode: "certificate", identity: caNode2, validator });
    const rejection = n.nextRejection();
    const e = await dial(n, {
      mode: "certificate",
      identity: otherNode,
      // The intruder trusts anyone, so only the listener's check can stop it.
      validator: new CertificateValidator({ callback: () => true }),
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransportError);
    expect((e as TransportError).code).toBe("SecurityFailed");
    expect((await rejection).code).toBe("SecurityFailed");
    expect(n.links.length).toBe(0);
  });

  it("certificate mode: the dialler refuses a listener from another CA", async () => {
    const n = await node({
      mode: "certificate",
      identity: otherNode,
      validator: new CertificateValidator({ callback: () => true }),
    });
    const e = await dial(n, { mode: "certificate", identity: caNode1, validator }).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(TransportError);
    expect((e as TransportError).code).toBe("SecurityFailed");
  });
});

describe("password handshake misbehaviour", () => {
  it("a responder that never gets an RST gives up when its timer runs out", async () => {
    const sec: PeerSecurity = { mode: "password", identity: bob, password: "pw" };
    const listener = new NeighborListener({
      host: "127.0.0.1",
      security: sec,
      handshakeTimeoutMs: 100,
    });
    const port = await listener.listen();
    try {
      const rejected = new Promise<TransportError>((r) => listener.once("rejected", r));
      // TLS and the NMF preamble, but no RST.
      const conn = await connectNetTcp(
        { endpointAddress: `net.tcp://127.0.0.1:${port}/p`, ipAddresses: ["127.0.0.1"] },
        { tls: connectorTlsFor({ mode: "password", identity: alice, password: "pw" })! },
      );
      conn.resumeReading();
      const e = await rejected;
      expect(e.code).toBe("SecurityFailed");
      expect(e.message).toMatch(/timer/);
      expect((await conn.closed)?.code).toBeDefined();
    } finally {
      await listener.close();
    }
  });

  it("anything but an RST first aborts the link", async () => {
    const sec: PeerSecurity = { mode: "password", identity: bob, password: "pw" };
    const listener = new NeighborListener({ host: "127.0.0.1", security: sec });
    const port = await listener.listen();
    try {
      const rejected = new Promise<TransportError>((r) => listener.once("rejected", r));
      const conn = await connectNetTcp(
        { endpointAddress: `net.tcp://127.0.0.1:${port}/p`, ipAddresses: ["127.0.0.1"] },
        { tls: connectorTlsFor({ mode: "password", identity: alice, password: "pw" })! },
      );
      const ch = new MessageChannel(conn);
      ch.resumeReading();
      ch.send(createPingMessage({ to: "net.p2p://mesh/" }));
      const e = await rejected;
      expect(e.code).toBe("SecurityFailed");
      expect(e.message).toMatch(/before the password handshake/);
      await ch.closed;
    } finally {
      await listener.close();
    }
  });
});

describe("message size", () => {
  it("a raised maxMessageSize lets large SOAP messages through framing and decoding alike", async () => {
    const n = new NeighborListener({
      host: "127.0.0.1",
      security: { mode: "none" },
      maxMessageSize: 300_000,
    });
    const port = await n.listen();
    try {
      const link = new Promise<MessageChannel>((r) => n.once("link", r));
      const c = await dialNeighbor(
        { endpointAddress: `net.tcp://127.0.0.1:${port}/p`, ipAddresses: ["127.0.0.1"] },
        { security: { mode: "none" }, connect: { maxMessageSize: 300_000 } },
      );
      const s = await link;
      // 30 strings of 5000 characters: over 65536 bytes in all, each within the string quota.
      const part = "z".repeat(5000);
      const got = new Promise<number>((res) =>
        s.once("message", (m) => {
          const inp = m.getBodyReader();
          inp.expectStart("Big", "urn:prch:test", "Envelope/Body");
          let total = 0;
          if (inp.enter()) while (inp.nextChild("Envelope/Body/Big")) total += inp.text().length;
          res(total);
        }),
      );
      const closed = s.closed.then((e) => e);
      s.resumeReading();
      c.resumeReading();
      c.send(
        new (await import("@prch/soap")).Message({
          action: "urn:prch:test/big",
          body: (out) => {
            out.startElement("Big", "urn:prch:test");
            for (let i = 0; i < 30; i++) {
              out.startElement("Part", "urn:prch:test");
              out.writer.writeString(part);
              out.endElement();
            }
            out.endElement();
          },
        }),
      );
      const first = await Promise.race([got, closed]);
      expect(first).toBe(150_000);
      c.abort();
    } finally {
      await n.close();
    }
  });
});
