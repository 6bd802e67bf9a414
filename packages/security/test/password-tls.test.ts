import { afterEach, describe, expect, it } from "vitest";
import {
  capiBlobFromCertificate,
  computePeerHashToken,
  type HandshakeAction,
  type HandshakeInput,
  type PasswordHandshake,
  type PeerSecurity,
  passwordHandshakeFor,
  peerKeyBlob,
  peerTlsClientOptions,
  peerTlsServerOptions,
  RST_ACTION,
  RSTR_ACTION,
  SECURITY_HANDSHAKE_TIMEOUT_MS,
  type SecurityError,
} from "../src/index.js";
import { Framed, fixtureIdentity, fixturePem, isLink, type Link, openLink } from "./harness.js";

const alice = fixtureIdentity("pw-alice");
const bob = fixtureIdentity("pw-bob");
const mallory = fixtureIdentity("pw-mallory");

const pw = (identity: typeof alice, password: string): PeerSecurity & { mode: "password" } => ({
  mode: "password",
  identity,
  password,
});

const links: Link[] = [];
afterEach(() => {
  for (const l of links.splice(0)) l.close();
});

async function link(server: PeerSecurity, client: PeerSecurity): Promise<Link> {
  const l = await openLink(peerTlsServerOptions(server)!, peerTlsClientOptions(client)!);
  if (!isLink(l)) throw new Error(`TLS failed: ${l.serverError} / ${l.clientError}`);
  links.push(l);
  return l;
}

interface Wire {
  action: string;
  body?: unknown;
}

function toInput(msg: Wire): HandshakeInput {
  if (msg.action === RST_ACTION) return { kind: "rst", body: msg.body as never };
  if (msg.action === RSTR_ACTION) return { kind: "rstr", body: msg.body as never };
  if (msg.action.startsWith("malformed:")) {
    return { kind: "malformed", action: msg.action.slice(10), reason: "test" };
  }
  return { kind: "other", action: msg.action };
}

interface SideResult {
  outcome: "authenticated" | "aborted" | "peer-closed";
  error?: SecurityError;
  received: Wire[];
}

/** Drives one side of the handshake over real sockets with an injected clock. */
async function drive(
  hs: PasswordHandshake,
  framed: Framed,
  clock: () => number,
): Promise<SideResult> {
  const received: Wire[] = [];
  let error: SecurityError | undefined;
  const apply = (actions: HandshakeAction[]): boolean => {
    for (const a of actions) {
      if (a.type === "send-rst" || a.type === "send-rstr")
        framed.send({ action: a.action, body: a.body });
      if (a.type === "abort") {
        error = a.error;
        framed.socket.destroy();
        return true;
      }
      if (a.type === "authenticated") return true;
    }
    return false;
  };
  if (apply(hs.start(clock())))
    return { outcome: error ? "aborted" : "authenticated", error, received };
  for (let i = 0; i < 10; i++) {
    const msg = (await framed.next()) as Wire | undefined;
    if (msg === undefined) return { outcome: "peer-closed", received };
    received.push(msg);
    if (apply(hs.receive(toInput(msg), clock()))) {
      return error
        ? { outcome: "aborted", error, received }
        : { outcome: "authenticated", received };
    }
  }
  throw new Error("handshake did not settle in 10 messages");
}

const clock = () => 1_000;

describe("password mode over real TLS on 127.0.0.1", () => {
  it("authenticates both sides with the right password", async () => {
    const l = await link(pw(bob, "s3cret"), pw(alice, "s3cret"));
    const init = passwordHandshakeFor(l.client, pw(alice, "s3cret"), "initiator", clock());
    const resp = passwordHandshakeFor(l.server, pw(bob, "s3cret"), "responder", clock());
    const [a, b] = await Promise.all([
      drive(init, new Framed(l.client), clock),
      drive(resp, new Framed(l.server), clock),
    ]);
    expect(a.outcome).toBe("authenticated");
    expect(b.outcome).toBe("authenticated");
    expect(init.state).toBe("authenticated");
    expect(resp.state).toBe("authenticated");
    // Each side's token is bound to the key the other saw in TLS.
    expect(peerKeyBlob(l.server)).toEqual(capiBlobFromCertificate(fixturePem("pw-alice")));
    const rst = b.received[0]!.body as { authenticator: string };
    expect(rst.authenticator).toBe(
      computePeerHashToken("s3cret", capiBlobFromCertificate(fixturePem("pw-alice"))),
    );
    const rstr = a.received[0]!.body as { authenticator: string; statusCode: string };
    expect(rstr.authenticator).toBe(
      computePeerHashToken("s3cret", capiBlobFromCertificate(fixturePem("pw-bob"))),
    );
  });

  it("treats surrounding whitespace as Windows does (trimmed on both sides)", async () => {
    const l = await link(pw(bob, " s3cret\t"), pw(alice, "s3cret "));
    const [a, b] = await Promise.all([
      drive(
        passwordHandshakeFor(l.client, pw(alice, "s3cret "), "initiator", clock()),
        new Framed(l.client),
        clock,
      ),
      drive(
        passwordHandshakeFor(l.server, pw(bob, " s3cret\t"), "responder", clock()),
        new Framed(l.server),
        clock,
      ),
    ]);
    expect([a.outcome, b.outcome]).toEqual(["authenticated", "authenticated"]);
  });

  it("responder aborts without replying on a wrong password", async () => {
    const l = await link(pw(bob, "right"), pw(alice, "wrong"));
    const [a, b] = await Promise.all([
      drive(
        passwordHandshakeFor(l.client, pw(alice, "wrong"), "initiator", clock()),
        new Framed(l.client),
        clock,
      ),
      drive(
        passwordHandshakeFor(l.server, pw(bob, "right"), "responder", clock()),
        new Framed(l.server),
        clock,
      ),
    ]);
    expect(b.outcome).toBe("aborted");
    expect(b.error?.code).toBe("token-mismatch");
    expect(a.outcome).toBe("peer-closed");
    expect(a.received).toEqual([]); // no RSTR was sent
  });

  it("responder aborts when the first message is not an RST", async () => {
    const l = await link(pw(bob, "pw"), pw(alice, "pw"));
    const framed = new Framed(l.client);
    framed.send({ action: "http://schemas.microsoft.com/net/2006/05/peer/Connect", body: {} });
    const b = await drive(
      passwordHandshakeFor(l.server, pw(bob, "pw"), "responder", clock()),
      new Framed(l.server),
      clock,
    );
    expect(b.error?.code).toBe("unexpected-message");
    expect(await framed.next()).toBeUndefined();
  });

  it.each([
    [
      "wrong token type",
      {
        tokenType: "urn:other",
        requestType: "http://schemas.xmlsoap.org/ws/2005/02/trust/Validate",
        authenticator: "AAAA",
      },
      "malformed-message",
    ],
    [
      "wrong request type",
      {
        tokenType: "http://schemas.microsoft.com/net/2006/05/peer/peerhashtoken",
        requestType: "http://schemas.xmlsoap.org/ws/2005/02/trust/Issue",
        authenticator: "AAAA",
      },
      "malformed-message",
    ],
    [
      "no token",
      {
        tokenType: "http://schemas.microsoft.com/net/2006/05/peer/peerhashtoken",
        requestType: "http://schemas.xmlsoap.org/ws/2005/02/trust/Validate",
      },
      "malformed-message",
    ],
    [
      "garbage base64",
      {
        tokenType: "http://schemas.microsoft.com/net/2006/05/peer/peerhashtoken",
        requestType: "http://schemas.xmlsoap.org/ws/2005/02/trust/Validate",
        authenticator: "%%%not-base64%%%",
      },
      "token-mismatch",
    ],
  ])("responder aborts on a malformed RST (%s)", async (_name, body, code) => {
    const l = await link(pw(bob, "pw"), pw(alice, "pw"));
    const framed = new Framed(l.client);
    framed.send({ action: RST_ACTION, body });
    const b = await drive(
      passwordHandshakeFor(l.server, pw(bob, "pw"), "responder", clock()),
      new Framed(l.server),
      clock,
    );
    expect(b.error?.code).toBe(code);
    expect(await framed.next()).toBeUndefined();
  });

  it("responder aborts on an undecodable RST body", async () => {
    const l = await link(pw(bob, "pw"), pw(alice, "pw"));
    const framed = new Framed(l.client);
    framed.send({ action: `malformed:${RST_ACTION}` });
    const b = await drive(
      passwordHandshakeFor(l.server, pw(bob, "pw"), "responder", clock()),
      new Framed(l.server),
      clock,
    );
    expect(b.error?.code).toBe("malformed-message");
  });

  it("refuses a token replayed on a connection with a different certificate (MITM)", async () => {
    // 1. A genuine Alice→Bob handshake; Mallory records both tokens.
    const genuine = await link(pw(bob, "pw"), pw(alice, "pw"));
    const [a, b] = await Promise.all([
      drive(
        passwordHandshakeFor(genuine.client, pw(alice, "pw"), "initiator", clock()),
        new Framed(genuine.client),
        clock,
      ),
      drive(
        passwordHandshakeFor(genuine.server, pw(bob, "pw"), "responder", clock()),
        new Framed(genuine.server),
        clock,
      ),
    ]);
    expect([a.outcome, b.outcome]).toEqual(["authenticated", "authenticated"]);
    const aliceRst = b.received[0]!;
    const bobRstr = a.received[0]!;

    // 2. Mallory (own certificate, no password) dials Bob and replays Alice's RST.
    const toBob = await link(pw(bob, "pw"), pw(mallory, "unknown"));
    const mFramed = new Framed(toBob.client);
    mFramed.send(aliceRst);
    const bobSide = await drive(
      passwordHandshakeFor(toBob.server, pw(bob, "pw"), "responder", clock()),
      new Framed(toBob.server),
      clock,
    );
    expect(bobSide.error?.code).toBe("token-mismatch");
    expect(await mFramed.next()).toBeUndefined();

    // 3. Mallory accepts Alice's connection and replays Bob's RSTR.
    const toMallory = await link(pw(mallory, "unknown"), pw(alice, "pw"));
    const mServer = new Framed(toMallory.server);
    const aliceSide = drive(
      passwordHandshakeFor(toMallory.client, pw(alice, "pw"), "initiator", clock()),
      new Framed(toMallory.client),
      clock,
    );
    expect(((await mServer.next()) as { action: string }).action).toBe(RST_ACTION);
    mServer.send(bobRstr);
    const res = await aliceSide;
    expect(res.outcome).toBe("aborted");
    expect(res.error?.code).toBe("token-mismatch");
  });

  it("aborts when the 2-minute handshake timer expires (injected clock)", async () => {
    const l = await link(pw(bob, "pw"), pw(alice, "pw"));
    let now = 5_000;
    const resp = passwordHandshakeFor(l.server, pw(bob, "pw"), "responder", now);
    const clientSide = new Framed(l.client);
    expect(resp.start(now)).toEqual([]);
    now += SECURITY_HANDSHAKE_TIMEOUT_MS - 1;
    expect(resp.tick(now)).toEqual([]);
    now += 1;
    const actions = resp.tick(now);
    expect(actions).toHaveLength(1);
    const abort = actions[0]!;
    expect(abort.type).toBe("abort");
    if (abort.type === "abort") expect(abort.error.code).toBe("handshake-timeout");
    l.server.destroy();
    expect(await clientSide.next()).toBeUndefined();
    expect(resp.state).toBe("failed");
    // A late RST is ignored once failed.
    expect(
      resp.receive(
        { kind: "rst", body: { tokenType: "", requestType: "", authenticator: "" } },
        now,
      ),
    ).toEqual([]);
  });
});
