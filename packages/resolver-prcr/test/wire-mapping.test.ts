import {
  BinaryMessageEncoder,
  createRegisterMessage,
  formatIPAddress,
  type Message,
  type MessageEncoder,
  parseIPAddress,
  TextMessageEncoder,
} from "@prch/soap";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  errorToFaultMessage,
  messageToRequest,
  messageToResponse,
  operationOfAction,
  RESOLVER_FAULT_NAMESPACE,
  ResolverError,
  ResolverFaultError,
  ResolverQuotaError,
  type ResolverRequest,
  type ResolverResponse,
  requestToMessage,
  responseToMessage,
} from "../src/index.js";
import { guid, nodeAddress } from "./support/fixtures.js";

const PEER = "http://schemas.microsoft.com/net/2006/05/peer";
const R = "http://schemas.microsoft.com/net/2006/05/peer/resolver";
const MESSAGE_ID = "urn:uuid:9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

/** One encoder per direction and side, as two ends of an NMF session would hold. */
function link(kind: "binary" | "text"): { tx: MessageEncoder; rx: MessageEncoder } {
  if (kind === "text") return { tx: new TextMessageEncoder(), rx: new TextMessageEncoder() };
  return {
    tx: new BinaryMessageEncoder({ session: true }),
    rx: new BinaryMessageEncoder({ session: true }),
  };
}

/** Encode on one side, decode on the other; the outgoing session dictionary feeds the incoming. */
function transfer(l: { tx: MessageEncoder; rx: MessageEncoder }, m: Message): Message {
  return l.rx.decode(l.tx.encode(m));
}

const address = nodeAddress(7, "192.0.2.7");

/** Every request, with the action (MC-PRCR §6.1) and body element (WINDOWS-NOTES §1.7) it must use. */
const REQUESTS: { request: ResolverRequest; action: string; element: string | undefined }[] = [
  {
    request: {
      operation: "Register",
      body: { ClientId: guid(1), MeshId: "chat.example", NodeAddress: address },
    },
    action: `${R}/Register`,
    element: "Register",
  },
  {
    request: {
      operation: "Update",
      body: {
        ClientId: guid(1),
        MeshId: "chat.example",
        NodeAddress: address,
        RegistrationId: guid(2),
      },
    },
    action: `${R}/Update`,
    element: "UpdateInfo",
  },
  {
    request: {
      operation: "Resolve",
      body: { ClientId: guid(1), MaxAddresses: 3, MeshId: "chat.example" },
    },
    action: `${R}/Resolve`,
    element: "Resolve",
  },
  {
    request: {
      operation: "Unregister",
      body: { MeshId: "chat.example", RegistrationId: guid(2) },
    },
    action: `${R}/Unregister`,
    element: "Unregister",
  },
  {
    request: { operation: "Refresh", body: { MeshId: "chat.example", RegistrationId: guid(2) } },
    action: `${R}/Refresh`,
    element: "Refresh",
  },
  {
    request: { operation: "GetServiceInfo", body: null },
    action: `${R}/GetServiceSettings`,
    element: undefined,
  },
];

const RESPONSES: { response: ResolverResponse; action: string; element: string | undefined }[] = [
  {
    response: {
      operation: "Register",
      body: { RegistrationId: guid(2), RegistrationLifetime: 6_000_000_000n },
    },
    action: `${R}/RegisterResponse`,
    element: "RegisterResponse",
  },
  {
    response: {
      operation: "Update",
      body: { RegistrationId: guid(3), RegistrationLifetime: 6_000_000_000n },
    },
    action: `${R}/UpdateResponse`,
    element: "RegisterResponse",
  },
  {
    response: {
      operation: "Resolve",
      body: { Addresses: [address, nodeAddress(8, "198.51.100.1")] },
    },
    action: `${R}/ResolveResponse`,
    element: "ResolveResponse",
  },
  {
    response: { operation: "Unregister", body: null },
    action: `${R}/IPeerResolverContract/UnregisterResponse`,
    element: undefined,
  },
  {
    response: {
      operation: "Refresh",
      body: { RegistrationLifetime: 6_000_000_000n, Result: "Success" },
    },
    action: `${R}/RefreshResponse`,
    element: "RefreshResponse",
  },
  {
    response: {
      operation: "Refresh",
      body: { RegistrationLifetime: 0n, Result: "RegistrationNotFound" },
    },
    action: `${R}/RefreshResponse`,
    element: "RefreshResponse",
  },
  {
    response: { operation: "GetServiceInfo", body: { ControlMeshShape: true } },
    action: `${R}/GetServiceSettingsResponse`,
    element: "ServiceSettings",
  },
];

describe.each(["binary", "text"] as const)("wire mapping over %s encoding", (kind) => {
  it.each(REQUESTS)("request $action", ({ request, action, element }) => {
    const l = link(kind);
    const m = transfer(
      l,
      requestToMessage(request, { to: "net.tcp://127.0.0.1:8089/", messageId: MESSAGE_ID }),
    );
    expect(m.action).toBe(action);
    expect(m.messageId).toBe(MESSAGE_ID);
    expect(m.to).toBe("net.tcp://127.0.0.1:8089/");
    expect(m.replyTo?.uri).toBe("http://www.w3.org/2005/08/addressing/anonymous");
    if (element === undefined) expect(m.isEmpty).toBe(true);
    else expect(m.bodyElement).toEqual({ localName: element, namespaceUri: PEER });
    expect(operationOfAction(m.action)).toBe(request.operation);
    expect(messageToRequest(m)).toEqual(request);
  });

  it.each(RESPONSES)("reply $action", ({ response, action, element }) => {
    const l = link(kind);
    const m = transfer(l, responseToMessage(response, { relatesTo: MESSAGE_ID }));
    expect(m.action).toBe(action);
    expect(m.relatesTo?.id).toBe(MESSAGE_ID);
    if (element === undefined) expect(m.isEmpty).toBe(true);
    else expect(m.bodyElement).toEqual({ localName: element, namespaceUri: PEER });
    expect(messageToResponse(response.operation, m)).toEqual(response);
  });
});

describe("faults", () => {
  const l = link("binary");

  it("a request error is a Sender fault carrying the resolver error code", () => {
    const m = transfer(
      l,
      errorToFaultMessage(new ResolverError("DuplicateRegistration", "taken"), {
        relatesTo: MESSAGE_ID,
      }),
    );
    expect(m.action).toBe("http://www.w3.org/2005/08/addressing/fault");
    expect(m.relatesTo?.id).toBe(MESSAGE_ID);
    let err: unknown;
    try {
      messageToResponse("Register", m);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ResolverFaultError);
    const f = err as ResolverFaultError;
    expect(f.code).toBe("Fault");
    expect(f.soapCode).toBe("Sender");
    expect(f.remoteCode).toBe("DuplicateRegistration");
    expect(f.subcode).toBe(`{${RESOLVER_FAULT_NAMESPACE}}DuplicateRegistration`);
    expect(f.reason).toBe("taken");
  });

  it("a store failure is a Receiver fault", () => {
    const m = transfer(l, errorToFaultMessage(new ResolverError("StoreFailure", "redis down")));
    expect(() => messageToResponse("Resolve", m)).toThrow(
      expect.objectContaining({ soapCode: "Receiver", remoteCode: "StoreFailure" }),
    );
  });

  it("a quota fault names the quota; an unknown exception says nothing about itself", () => {
    const q = transfer(l, errorToFaultMessage(new ResolverQuotaError("maxMeshes", 10)));
    expect(() => messageToResponse("Register", q)).toThrow(
      expect.objectContaining({ soapCode: "Sender", remoteCode: "QuotaExceeded" }),
    );
    const u = transfer(l, errorToFaultMessage(new TypeError("secret internals")));
    let err: ResolverFaultError | undefined;
    try {
      messageToResponse("Register", u);
    } catch (e) {
      err = e as ResolverFaultError;
    }
    expect(err?.soapCode).toBe("Receiver");
    expect(err?.reason).not.toContain("secret");
  });

  it("a reply of the wrong kind is a Fault error, not a TypeError", () => {
    const m = transfer(
      l,
      responseToMessage({ operation: "GetServiceInfo", body: { ControlMeshShape: false } }),
    );
    expect(() => messageToResponse("Resolve", m)).toThrow(
      expect.objectContaining({ name: "ResolverError", code: "Fault" }),
    );
  });

  it("Unregister accepts any non-fault reply", () => {
    const m = transfer(
      l,
      responseToMessage({ operation: "GetServiceInfo", body: { ControlMeshShape: false } }),
    );
    expect(messageToResponse("Unregister", m)).toEqual({ operation: "Unregister", body: null });
  });
});

describe("malformed requests", () => {
  it("a nil NodeAddress is InvalidRequest", () => {
    const l = link("binary");
    const m = transfer(
      l,
      createRegisterMessage(
        { clientId: guid(1), meshId: "m", nodeAddress: null },
        { messageId: MESSAGE_ID },
      ),
    );
    expect(() => messageToRequest(m)).toThrow(expect.objectContaining({ code: "InvalidRequest" }));
  });

  it("an unknown action is InvalidRequest", () => {
    const l = link("text");
    const m = transfer(
      l,
      responseToMessage({ operation: "GetServiceInfo", body: { ControlMeshShape: false } }),
    );
    expect(operationOfAction(m.action)).toBeUndefined();
    expect(() => messageToRequest(m)).toThrow(expect.objectContaining({ code: "InvalidRequest" }));
  });

  it("an IP text that is not an address is refused on the way out", () => {
    expect(() =>
      requestToMessage({
        operation: "Register",
        body: {
          ClientId: guid(1),
          MeshId: "m",
          NodeAddress: { EndpointAddress: "net.tcp://h/p", IPAddresses: ["not-an-ip"] },
        },
      }),
    ).toThrow(expect.objectContaining({ name: "ResolverError", code: "InvalidRequest" }));
  });
});

describe("round-trip properties", () => {
  const ip = fc.oneof(
    fc.ipV4(),
    fc.ipV6(),
    fc
      .tuple(fc.ipV6(), fc.integer({ min: 1, max: 0xffff }))
      .map(([a, s]) => `${a}%${s}`)
      .filter((a) => !a.includes(".")),
  );
  const pna = fc.record({
    EndpointAddress: fc
      .tuple(fc.ipV4(), fc.integer({ min: 1, max: 65535 }), fc.uuid())
      .map(([h, p, g]) => `net.tcp://${h}:${p}/PeerChannelEndpoints/${g}`),
    IPAddresses: fc.array(ip, { minLength: 1, maxLength: 6 }),
  });
  /** The text our reader produces for an address: canonical form of the same bytes. */
  const canonical = (a: { EndpointAddress: string; IPAddresses: readonly string[] }) => ({
    EndpointAddress: a.EndpointAddress,
    IPAddresses: a.IPAddresses.map((x) => formatIPAddress(parseIPAddress(x))),
  });

  it("Register and ResolveResponse survive binary and text encoding", () => {
    fc.assert(
      fc.property(
        fc.uuid(),
        fc.string({ minLength: 1, maxLength: 60 }),
        pna,
        fc.array(pna, { maxLength: 5 }),
        fc.boolean(),
        (client, mesh, a, list, binary) => {
          const l = link(binary ? "binary" : "text");
          const req: ResolverRequest = {
            operation: "Register",
            body: { ClientId: client, MeshId: mesh, NodeAddress: a },
          };
          const got = messageToRequest(transfer(l, requestToMessage(req)));
          expect(got).toEqual({
            operation: "Register",
            body: { ClientId: client.toLowerCase(), MeshId: mesh, NodeAddress: canonical(a) },
          });
          const res: ResolverResponse = { operation: "Resolve", body: { Addresses: list } };
          expect(messageToResponse("Resolve", transfer(l, responseToMessage(res)))).toEqual({
            operation: "Resolve",
            body: { Addresses: list.map(canonical) },
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
