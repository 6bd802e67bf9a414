// The RST/RSTR exchange through @prch/soap's real message codecs (binary
// session encoding, as on a neighbor link): soap builds and parses the
// messages, this package decides. Test-only dependency on @prch/soap.
import {
  BinaryMessageEncoder,
  createRequestSecurityTokenMessage,
  createRequestSecurityTokenResponseMessage,
  PEER_ACTIONS,
  parseRequestSecurityToken,
  parseRequestSecurityTokenResponse,
  TextMessageEncoder,
} from "@prch/soap";
import { describe, expect, it } from "vitest";
import {
  capiBlobFromCertificate,
  type HandshakeAction,
  type HandshakeInput,
  PasswordHandshake,
  RST_ACTION,
  RSTR_ACTION,
} from "../src/index.js";
import { fixturePem } from "./harness.js";

const A = capiBlobFromCertificate(fixturePem("pw-alice"));
const B = capiBlobFromCertificate(fixturePem("pw-bob"));
const MESSAGE_ID = "urn:uuid:b3d053cc-eced-43ee-acc1-6c836e219f36";

function send(
  a: HandshakeAction | undefined,
  enc: BinaryMessageEncoder | TextMessageEncoder,
): Uint8Array {
  if (a?.type === "send-rst") {
    return enc.encode(
      createRequestSecurityTokenMessage(a.authenticator, { messageId: MESSAGE_ID }),
    );
  }
  if (a?.type === "send-rstr") {
    return enc.encode(
      createRequestSecurityTokenResponseMessage(a.authenticator, { relatesTo: MESSAGE_ID }),
    );
  }
  throw new Error(`nothing to send: ${a?.type}`);
}

function receive(
  bytes: Uint8Array,
  enc: BinaryMessageEncoder | TextMessageEncoder,
): HandshakeInput {
  const msg = enc.decode(bytes);
  try {
    if (msg.action === PEER_ACTIONS.requestSecurityToken)
      return { kind: "rst", body: parseRequestSecurityToken(msg) };
    if (msg.action === PEER_ACTIONS.requestSecurityTokenResponse) {
      return { kind: "rstr", body: parseRequestSecurityTokenResponse(msg) };
    }
  } catch (e) {
    return { kind: "malformed", action: msg.action ?? "", reason: String(e) };
  }
  return { kind: "other", action: msg.action ?? "" };
}

describe.each([
  ["binary", () => new BinaryMessageEncoder()],
  ["text", () => new TextMessageEncoder()],
])("RST/RSTR through @prch/soap (%s encoding)", (_name, makeEncoder) => {
  it("uses the bare actions and authenticates both sides", () => {
    expect(PEER_ACTIONS.requestSecurityToken).toBe(RST_ACTION);
    expect(PEER_ACTIONS.requestSecurityTokenResponse).toBe(RSTR_ACTION);
    const toResp = [makeEncoder(), makeEncoder()] as const; // initiator's writer, responder's reader
    const toInit = [makeEncoder(), makeEncoder()] as const;
    const init = new PasswordHandshake({
      role: "initiator",
      password: "pw",
      localKeyBlob: A,
      remoteKeyBlob: B,
      now: 0,
    });
    const resp = new PasswordHandshake({
      role: "responder",
      password: "pw",
      localKeyBlob: B,
      remoteKeyBlob: A,
      now: 0,
    });
    const rstBytes = send(init.start(0)[0], toResp[0]);
    const out = resp.receive(receive(rstBytes, toResp[1]), 1);
    expect(out.map((a) => a.type)).toEqual(["send-rstr", "authenticated"]);
    const rstrBytes = send(out[0], toInit[0]);
    expect(init.receive(receive(rstrBytes, toInit[1]), 2)).toEqual([{ type: "authenticated" }]);
  });

  it("a wrong password ends in an abort with no reply", () => {
    const w = makeEncoder();
    const r = makeEncoder();
    const init = new PasswordHandshake({
      role: "initiator",
      password: "wrong",
      localKeyBlob: A,
      remoteKeyBlob: B,
      now: 0,
    });
    const resp = new PasswordHandshake({
      role: "responder",
      password: "pw",
      localKeyBlob: B,
      remoteKeyBlob: A,
      now: 0,
    });
    const out = resp.receive(receive(send(init.start(0)[0], w), r), 1);
    expect(out).toHaveLength(1);
    expect(out[0]?.type === "abort" && out[0].error.code).toBe("token-mismatch");
  });
});
