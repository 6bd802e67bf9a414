// The way @prch/transport-node will use these options: NMF negotiates the
// `application/ssl-tls` upgrade on a plain TCP connection, then each side
// wraps that same socket in TLS (server: new TLSSocket(raw, { isServer }),
// client: tls.connect({ socket: raw })). Real sockets on 127.0.0.1.
import { X509Certificate } from "node:crypto";
import * as net from "node:net";
import * as tls from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import {
  authorizePeerCertificate,
  CertificateValidator,
  capiBlobFromCertificate,
  type PeerSecurity,
  passwordSecurity,
  peerCertificate,
  peerKeyBlob,
  peerTlsClientOptions,
  peerTlsServerOptions,
} from "../src/index.js";
import { fixtureIdentity, fixturePem } from "./harness.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

type Outcome = { server: tls.TLSSocket | Error; client: tls.TLSSocket | Error };

async function upgrade(serverSec: PeerSecurity, clientSec: PeerSecurity): Promise<Outcome> {
  const tcpServer = net.createServer();
  await new Promise<void>((r) => tcpServer.listen(0, "127.0.0.1", () => r()));
  const port = (tcpServer.address() as net.AddressInfo).port;
  const accepted = new Promise<net.Socket>((r) => tcpServer.once("connection", r));
  const raw = net.connect(port, "127.0.0.1");
  await new Promise<void>((r) => raw.once("connect", () => r()));
  const rawServer = await accepted;
  tcpServer.close();

  const server = new Promise<tls.TLSSocket | Error>((resolve) => {
    const s = new tls.TLSSocket(rawServer, { isServer: true, ...peerTlsServerOptions(serverSec)! });
    const guard = setTimeout(() => resolve(new Error("server timeout")), 10_000);
    s.once("secure", () => {
      clearTimeout(guard);
      // A stand-alone server TLSSocket does not act on rejectUnauthorized:
      // Node leaves the verdict to the caller, i.e. authorizePeerCertificate.
      resolve(s);
    });
    s.once("error", (e) => {
      clearTimeout(guard);
      resolve(e);
    });
  });
  const client = new Promise<tls.TLSSocket | Error>((resolve) => {
    const c = tls.connect({ socket: raw, ...peerTlsClientOptions(clientSec)! }, () => resolve(c));
    c.once("error", resolve);
  });
  const out = { server: await server, client: await client };
  cleanups.push(() => {
    for (const x of [out.server, out.client]) if (!(x instanceof Error)) x.destroy();
    raw.destroy();
    rawServer.destroy();
  });
  return out;
}

describe("TLS upgrade of an existing TCP connection", () => {
  it("password mode: both sides see each other's key", async () => {
    const bob: PeerSecurity = {
      mode: "password",
      identity: fixtureIdentity("pw-bob"),
      password: "x",
    };
    const alice: PeerSecurity = {
      mode: "password",
      identity: fixtureIdentity("pw-alice"),
      password: "x",
    };
    let blobs: Uint8Array[] = [];
    const tcpServer = net.createServer();
    await new Promise<void>((r) => tcpServer.listen(0, "127.0.0.1", () => r()));
    const port = (tcpServer.address() as net.AddressInfo).port;
    const accepted = new Promise<net.Socket>((r) => tcpServer.once("connection", r));
    const raw = net.connect(port, "127.0.0.1");
    const rawServer = await accepted;
    tcpServer.close();
    const s = new tls.TLSSocket(rawServer, { isServer: true, ...peerTlsServerOptions(bob)! });
    const serverSecure = new Promise<void>((r) => s.once("secure", () => r()));
    const c = tls.connect({ socket: raw, ...peerTlsClientOptions(alice)! });
    await Promise.all([serverSecure, new Promise<void>((r) => c.once("secureConnect", () => r()))]);
    blobs = [peerKeyBlob(s), peerKeyBlob(c)];
    expect(blobs[0]).toEqual(capiBlobFromCertificate(fixturePem("pw-alice")));
    expect(blobs[1]).toEqual(capiBlobFromCertificate(fixturePem("pw-bob")));
    c.destroy();
    s.destroy();
  });

  it("certificate mode: the server socket authorizes trusted clients and refuses a wrong-CA one", async () => {
    const v = new CertificateValidator({ roots: [fixturePem("ca-root")] });
    const node = (name: string): PeerSecurity => ({
      mode: "certificate",
      identity: fixtureIdentity(name),
      validator: v,
    });
    const ok = await upgrade(node("cert-node1"), node("cert-node2"));
    if (ok.server instanceof Error || ok.client instanceof Error) throw new Error("TLS failed");
    expect(authorizePeerCertificate(ok.server, v)[0]!.subject).toBe("CN=node2");
    expect(authorizePeerCertificate(ok.client, v)[0]!.subject).toBe("CN=node1");
    const bad = await upgrade(node("cert-node1"), node("cert-wrongca"));
    if (bad.server instanceof Error) return; // refused during the handshake: fine too
    expect(() => authorizePeerCertificate(bad.server as tls.TLSSocket, v)).toThrow(
      expect.objectContaining({ code: "untrusted-certificate" }),
    );
  });

  it("certificate mode without roots: authorizePeerCertificate is what refuses", async () => {
    const pinned = new CertificateValidator({
      callback: ({ leaf }) => leaf.subject === "CN=node1",
    });
    const node = (name: string): PeerSecurity => ({
      mode: "certificate",
      identity: fixtureIdentity(name),
      validator: pinned,
    });
    const tcp = await upgrade(node("cert-node1"), node("cert-selfsigned"));
    if (tcp.server instanceof Error || tcp.client instanceof Error)
      throw new Error("TLS should come up");
    // TLS came up (no roots to enforce); the validator refuses the stranger …
    expect(() => authorizePeerCertificate(tcp.server as tls.TLSSocket, pinned)).toThrow(
      expect.objectContaining({ code: "rejected-by-application" }),
    );
    // … and accepts node1 on the other side.
    expect(authorizePeerCertificate(tcp.client, pinned)[0]!.subject).toBe("CN=node1");
  });
});

describe("passwordSecurity", () => {
  it("makes a CN={GUID} identity when none is given, and refuses an empty password", async () => {
    const sec = await passwordSecurity("mesh");
    expect(sec.mode).toBe("password");
    expect(new X509Certificate(sec.identity.certificatePem).subject).toMatch(/^CN=[0-9a-f-]{36}$/);
    const given = fixtureIdentity("pw-alice");
    expect((await passwordSecurity("mesh", given)).identity).toBe(given);
    await expect(passwordSecurity("")).rejects.toMatchObject({ code: "invalid-argument" });
  });
});

describe("renegotiation", () => {
  it("is refused, so the certificate the token was bound to cannot be swapped (TLS 1.2)", async () => {
    const sec: PeerSecurity = {
      mode: "password",
      identity: fixtureIdentity("pw-alice"),
      password: "x",
    };
    const server = tls.createServer(peerTlsServerOptions(sec, { maxVersion: "TLSv1.2" })!, (s) => {
      s.on("error", () => {});
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as net.AddressInfo).port;
    const client = tls.connect({
      ...peerTlsClientOptions(sec, { maxVersion: "TLSv1.2" })!,
      host: "127.0.0.1",
      port,
    });
    client.on("error", () => {});
    await new Promise<void>((r) => client.once("secureConnect", () => r()));
    expect(client.getProtocol()).toBe("TLSv1.2");
    const err = await new Promise<Error | null>((resolve) => {
      const started = client.renegotiate({ rejectUnauthorized: false }, (e) => resolve(e));
      if (!started) resolve(new Error("renegotiation not started"));
    });
    expect(err).toBeInstanceOf(Error);
    client.destroy();
    server.close();
  });
});

describe("reading the peer certificate", () => {
  it("works any number of times on both sides (Node 20's getPeerX509Certificate consumes it on clients)", async () => {
    const v = new CertificateValidator({ roots: [fixturePem("ca-root")] });
    const node = (name: string): PeerSecurity => ({
      mode: "certificate",
      identity: fixtureIdentity(name),
      validator: v,
    });
    const link = await upgrade(node("cert-node1"), node("cert-node2"));
    if (link.server instanceof Error || link.client instanceof Error) throw new Error("TLS failed");
    for (const [sock, peer] of [
      [link.client, "cert-node1"],
      [link.server, "cert-node2"],
    ] as const) {
      const want = capiBlobFromCertificate(fixturePem(peer));
      expect(peerKeyBlob(sock)).toEqual(want);
      expect(peerKeyBlob(sock)).toEqual(want);
      expect(peerCertificate(sock).subject).toBe(peer === "cert-node1" ? "CN=node1" : "CN=node2");
      expect(authorizePeerCertificate(sock, v).length).toBeGreaterThanOrEqual(2);
      expect(peerKeyBlob(sock)).toEqual(want);
    }
  });
});
