import { describe, expect, it } from "vitest";
import {
  capiBlobFromCertificate,
  computePeerHashToken,
  type HandshakeAction,
  PasswordHandshake,
  PEER_HASH_TOKEN_TYPE,
  RST_ACTION,
  RSTR_ACTION,
  SecurityError,
  TRUST_STATUS_INVALID,
  TRUST_STATUS_VALID,
  TRUST_VALIDATE_REQUEST_TYPE,
} from "../src/index.js";
import { fixturePem } from "./harness.js";

const A = capiBlobFromCertificate(fixturePem("pw-alice"));
const B = capiBlobFromCertificate(fixturePem("pw-bob"));

function pair(password = "pw", t = 0) {
  const init = new PasswordHandshake({
    role: "initiator",
    password,
    localKeyBlob: A,
    remoteKeyBlob: B,
    now: t,
  });
  const resp = new PasswordHandshake({
    role: "responder",
    password,
    localKeyBlob: B,
    remoteKeyBlob: A,
    now: t,
  });
  return { init, resp };
}

function codeOf(actions: HandshakeAction[]): string | undefined {
  const a = actions.find((x) => x.type === "abort");
  return a?.type === "abort" ? a.error.code : undefined;
}

describe("PasswordHandshake (sans I/O)", () => {
  it("runs RST → RSTR to Authenticated on both sides", () => {
    const { init, resp } = pair();
    expect(resp.start(0)).toEqual([]);
    const [rst] = init.start(0);
    expect(rst).toEqual({
      type: "send-rst",
      action: RST_ACTION,
      body: {
        tokenType: PEER_HASH_TOKEN_TYPE,
        requestType: TRUST_VALIDATE_REQUEST_TYPE,
        authenticator: computePeerHashToken("pw", A),
      },
      authenticator: new Uint8Array(Buffer.from(computePeerHashToken("pw", A), "base64")),
    });
    expect(init.state).toBe("awaiting-rstr");
    if (rst?.type !== "send-rst") throw new Error("no RST");
    const out = resp.receive({ kind: "rst", body: rst.body }, 10);
    expect(out.map((a) => a.type)).toEqual(["send-rstr", "authenticated"]);
    const rstr = out[0]!;
    if (rstr.type !== "send-rstr") throw new Error("no RSTR");
    expect(rstr.action).toBe(RSTR_ACTION);
    expect(rstr.body.statusCode).toBe(TRUST_STATUS_VALID);
    expect(rstr.body.authenticator).toBe(computePeerHashToken("pw", B));
    expect(init.receive({ kind: "rstr", body: rstr.body }, 20)).toEqual([
      { type: "authenticated" },
    ]);
    expect([init.state, resp.state]).toEqual(["authenticated", "authenticated"]);
    // start() is idempotent and later messages are ignored.
    expect(init.start(30)).toEqual([]);
    expect(resp.receive({ kind: "other", action: "x" }, 30)).toEqual([]);
  });

  it("accepts TokenType and Status/Code case-insensitively and trimmed, like Windows", () => {
    const { init, resp } = pair();
    init.start(0);
    const out = resp.receive(
      {
        kind: "rst",
        body: {
          tokenType: ` ${PEER_HASH_TOKEN_TYPE.toUpperCase()} `,
          requestType: TRUST_VALIDATE_REQUEST_TYPE,
          authenticator: computePeerHashToken("pw", A),
        },
      },
      0,
    );
    expect(resp.state).toBe("authenticated");
    const rstr = out[0]!;
    if (rstr.type !== "send-rstr") throw new Error("no RSTR");
    const acts = init.receive(
      { kind: "rstr", body: { ...rstr.body, statusCode: `\n${TRUST_STATUS_VALID.toUpperCase()}` } },
      0,
    );
    expect(acts).toEqual([{ type: "authenticated" }]);
  });

  it("accepts authenticators as decoded bytes, as @prch/soap delivers them", () => {
    const { init, resp } = pair();
    const [rst] = init.start(0);
    if (rst?.type !== "send-rst") throw new Error("no RST");
    expect(rst.authenticator).toHaveLength(32);
    const out = resp.receive(
      { kind: "rst", body: { ...rst.body, authenticator: rst.authenticator } },
      0,
    );
    const rstr = out[0]!;
    if (rstr.type !== "send-rstr") throw new Error("no RSTR");
    expect(
      init.receive({ kind: "rstr", body: { ...rstr.body, authenticator: rstr.authenticator } }, 0),
    ).toEqual([{ type: "authenticated" }]);
    // wrong bytes, short bytes
    const p2 = pair();
    p2.init.start(0);
    const bad = rst.authenticator.slice();
    bad[0] = bad[0]! ^ 1;
    expect(
      codeOf(p2.resp.receive({ kind: "rst", body: { ...rst.body, authenticator: bad } }, 0)),
    ).toBe("token-mismatch");
    const p3 = pair();
    expect(
      codeOf(
        p3.resp.receive(
          { kind: "rst", body: { ...rst.body, authenticator: bad.subarray(0, 31) } },
          0,
        ),
      ),
    ).toBe("token-mismatch");
  });

  it("refuses an RST at the initiator and an RSTR at the responder", () => {
    const { init, resp } = pair();
    init.start(0);
    const rstBody = {
      tokenType: PEER_HASH_TOKEN_TYPE,
      requestType: TRUST_VALIDATE_REQUEST_TYPE,
      authenticator: computePeerHashToken("pw", B),
    };
    expect(codeOf(init.receive({ kind: "rst", body: rstBody }, 0))).toBe("unexpected-message");
    resp.start(0);
    const rstrBody = {
      tokenType: PEER_HASH_TOKEN_TYPE,
      statusCode: TRUST_STATUS_VALID,
      authenticator: computePeerHashToken("pw", A),
    };
    expect(codeOf(resp.receive({ kind: "rstr", body: rstrBody }, 0))).toBe("unexpected-message");
    expect([init.state, resp.state]).toEqual(["failed", "failed"]);
  });

  it("refuses an RSTR with an invalid status, no token, or before the RST went out", () => {
    const good = {
      tokenType: PEER_HASH_TOKEN_TYPE,
      statusCode: TRUST_STATUS_VALID,
      authenticator: computePeerHashToken("pw", B),
    };
    let { init } = pair();
    init.start(0);
    expect(
      codeOf(
        init.receive({ kind: "rstr", body: { ...good, statusCode: TRUST_STATUS_INVALID } }, 0),
      ),
    ).toBe("malformed-message");
    ({ init } = pair());
    init.start(0);
    expect(
      codeOf(init.receive({ kind: "rstr", body: { ...good, authenticator: undefined } }, 0)),
    ).toBe("malformed-message");
    ({ init } = pair());
    init.start(0);
    expect(
      codeOf(init.receive({ kind: "rstr", body: { ...good, statusCode: undefined } }, 0)),
    ).toBe("malformed-message");
    ({ init } = pair());
    expect(codeOf(init.receive({ kind: "rstr", body: good }, 0))).toBe("unexpected-message");
    ({ init } = pair());
    init.start(0);
    expect(
      codeOf(
        init.receive(
          { kind: "rstr", body: { ...good, authenticator: computePeerHashToken("other", B) } },
          0,
        ),
      ),
    ).toBe("token-mismatch");
  });

  it("times out at exactly the deadline, also when a message arrives late", () => {
    const { init, resp } = pair("pw", 1_000);
    expect(init.deadline).toBe(121_000);
    const [rst] = init.start(1_000);
    expect(init.tick(120_999)).toEqual([]);
    if (rst?.type !== "send-rst") throw new Error("no RST");
    expect(codeOf(resp.receive({ kind: "rst", body: rst.body }, 121_000))).toBe(
      "handshake-timeout",
    );
    expect(codeOf(init.tick(500_000))).toBe("handshake-timeout");
    expect(init.tick(600_000)).toEqual([]);
    const late = new PasswordHandshake({
      role: "initiator",
      password: "pw",
      localKeyBlob: A,
      remoteKeyBlob: B,
      now: 0,
      timeoutMs: 10,
    });
    expect(codeOf(late.start(10))).toBe("handshake-timeout");
  });

  it("needs a non-empty password (Windows refuses an empty MeshPassword)", () => {
    expect(
      () =>
        new PasswordHandshake({
          role: "initiator",
          password: "",
          localKeyBlob: A,
          remoteKeyBlob: B,
          now: 0,
        }),
    ).toThrow(SecurityError);
  });
});
