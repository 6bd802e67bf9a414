import {
  BinaryMessageEncoder,
  createHeader,
  createRefreshMessage,
  createRegisterMessage,
  createResolveMessage,
  createUnregisterMessage,
  createUpdateMessage,
  Message,
  parseIPAddress,
  readFault,
} from "@prch/soap";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ConnectionState,
  MemoryRegistrationStore,
  messageToResponse,
  RESOLVER_FAULT_NAMESPACE,
  ResolverDispatcher,
  type ResolverDispatcherOptions,
  ResolverFaultError,
  type ResolverOperation,
  type ResolverRequest,
  type ResolverResponse,
  ResolverServiceCore,
  requestToMessage,
} from "../src/index.js";
import { Clock, guid, guidSequence, MINUTE, nodeAddress } from "./support/fixtures.js";

const MESH = "chat.example";

/**
 * A client and the dispatcher joined by two binary session encoders per side, so that every
 * request and reply goes through real MC-NBFSE bytes in both directions.
 */
class Harness {
  readonly clock = new Clock();
  readonly core: ResolverServiceCore;
  readonly dispatcher: ResolverDispatcher;
  readonly state: ConnectionState;
  readonly clientTx = new BinaryMessageEncoder({ session: true });
  readonly serviceRx = new BinaryMessageEncoder({ session: true });
  readonly serviceTx = new BinaryMessageEncoder({ session: true });
  readonly clientRx = new BinaryMessageEncoder({ session: true });
  #n = 0;

  constructor(options: ResolverDispatcherOptions = {}, store = new MemoryRegistrationStore()) {
    this.core = new ResolverServiceCore({ store, now: this.clock.now, newGuid: guidSequence() });
    this.dispatcher = new ResolverDispatcher(this.core, { now: this.clock.now, ...options });
    this.state = this.dispatcher.createConnectionState();
  }

  /** Sends a message; returns the decoded reply (or null when the dispatcher stays silent). */
  async exchange(m: Message): Promise<Message | null> {
    const received = this.serviceRx.decode(this.clientTx.encode(m));
    const reply = await this.dispatcher.handle(received, this.state);
    if (reply === null) return null;
    return this.clientRx.decode(this.serviceTx.encode(reply));
  }

  nextId(): string {
    this.#n++;
    return `urn:uuid:00000000-0000-4000-9000-${this.#n.toString(16).padStart(12, "0")}`;
  }

  /** One request through the wire; returns the mapped reply and checks the correlation. */
  async call(request: ResolverRequest): Promise<ResolverResponse> {
    const messageId = this.nextId();
    const reply = await this.exchange(
      requestToMessage(request, { to: "net.tcp://127.0.0.1:8089/resolver", messageId }),
    );
    if (reply === null) throw new Error("no reply");
    expect(reply.relatesTo?.id).toBe(messageId);
    return messageToResponse(request.operation, reply);
  }

  async fault(request: ResolverRequest): Promise<ResolverFaultError> {
    const e = await this.call(request).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(ResolverFaultError);
    return e as ResolverFaultError;
  }
}

const register = (n: number): ResolverRequest => ({
  operation: "Register",
  body: { ClientId: guid(n), MeshId: MESH, NodeAddress: nodeAddress(n) },
});

describe("ResolverDispatcher", () => {
  it("runs the whole operation sequence through binary session bytes", async () => {
    const h = new Harness();
    expect(await h.call({ operation: "GetServiceInfo", body: null })).toEqual({
      operation: "GetServiceInfo",
      body: { ControlMeshShape: false },
    });
    const r1 = await h.call(register(1));
    const r2 = await h.call(register(2));
    if (r1.operation !== "Register" || r2.operation !== "Register") throw new Error("kind");
    expect(r1.body.RegistrationLifetime).toBe(6_000_000_000n);
    const id1 = r1.body.RegistrationId;

    const resolved = await h.call({
      operation: "Resolve",
      body: { ClientId: guid(2), MaxAddresses: 5, MeshId: MESH },
    });
    expect(resolved).toEqual({ operation: "Resolve", body: { Addresses: [nodeAddress(1)] } });

    h.clock.advance(5 * MINUTE);
    expect(
      await h.call({ operation: "Refresh", body: { MeshId: MESH, RegistrationId: id1 } }),
    ).toEqual({
      operation: "Refresh",
      body: { Result: "Success", RegistrationLifetime: 6_000_000_000n },
    });

    const moved = nodeAddress(1, "10.9.9.9");
    const up = await h.call({
      operation: "Update",
      body: { ClientId: guid(1), MeshId: MESH, NodeAddress: moved, RegistrationId: id1 },
    });
    expect(up).toEqual({
      operation: "Update",
      body: { RegistrationId: id1, RegistrationLifetime: 6_000_000_000n },
    });
    expect(
      await h.call({
        operation: "Resolve",
        body: { ClientId: guid(2), MaxAddresses: 5, MeshId: MESH },
      }),
    ).toEqual({ operation: "Resolve", body: { Addresses: [moved] } });

    expect(
      await h.call({ operation: "Unregister", body: { MeshId: MESH, RegistrationId: id1 } }),
    ).toEqual({ operation: "Unregister", body: null });
    expect(
      await h.call({ operation: "Refresh", body: { MeshId: MESH, RegistrationId: id1 } }),
    ).toEqual({
      operation: "Refresh",
      body: { Result: "RegistrationNotFound", RegistrationLifetime: 0n },
    });

    const c = h.core.counters();
    const ops: ResolverOperation[] = ["Register", "Resolve", "Refresh", "Update", "Unregister"];
    expect(ops.map((o) => c.requests[o])).toEqual([2, 2, 2, 1, 1]);
    expect(h.dispatcher.counters()).toMatchObject({ messages: 9, replies: 9, faults: 0 });
  });

  it("answers a duplicate ServicePath with a Sender fault and keeps serving", async () => {
    const h = new Harness();
    await h.call(register(1));
    const dup: ResolverRequest = {
      operation: "Register",
      body: {
        ClientId: guid(9),
        MeshId: MESH,
        NodeAddress: { ...nodeAddress(1, "203.0.113.5", 4000) },
      },
    };
    const f = await h.fault(dup);
    expect(f.soapCode).toBe("Sender");
    expect(f.remoteCode).toBe("DuplicateRegistration");
    expect((await h.call(register(2))).operation).toBe("Register");
    expect(h.core.counters().faults.Register).toBe(1);
  });

  it("answers an unknown action with ActionNotSupported", async () => {
    const h = new Harness();
    const messageId = h.nextId();
    const reply = await h.exchange(
      new Message({ action: "urn:example:Nope", messageId, replyTo: { uri: "urn:x" } }),
    );
    expect(reply?.action).toBe("http://www.w3.org/2005/08/addressing/fault");
    expect(reply?.relatesTo?.id).toBe(messageId);
    expect(reply?.to).toBe("urn:x");
    const fault = readFault(reply!.getBodyReader(), reply!.version);
    expect(fault.code.name).toBe("Sender");
    expect(fault.code.subcode).toEqual({
      name: "ActionNotSupported",
      namespace: "http://www.w3.org/2005/08/addressing",
    });
    expect(h.dispatcher.counters().actionNotSupported).toBe(1);
  });

  it("answers a malformed body with InvalidRequest and a missing NodeAddress too", async () => {
    const h = new Harness();
    const reply = await h.exchange(
      createRegisterMessage(
        { clientId: guid(1), meshId: MESH, nodeAddress: null },
        { messageId: h.nextId() },
      ),
    );
    expect(() => messageToResponse("Register", reply!)).toThrow(
      expect.objectContaining({ remoteCode: "InvalidRequest", soapCode: "Sender" }),
    );
    const empty = await h.fault({
      operation: "Register",
      body: { ClientId: guid(1), MeshId: "", NodeAddress: nodeAddress(1) },
    });
    expect(empty.remoteCode).toBe("InvalidRequest");
    expect(h.dispatcher.counters().malformed).toBe(1);
  });

  it("faults an unknown mustUnderstand header", async () => {
    const h = new Harness();
    const m = requestToMessage(register(1), { messageId: h.nextId() });
    m.headers.push(
      createHeader({ name: "Secret", namespace: "urn:x", value: "1", mustUnderstand: true }),
    );
    const reply = await h.exchange(m);
    const fault = readFault(reply!.getBodyReader(), reply!.version);
    expect(fault.code.name).toBe("MustUnderstand");
    // Not registered: the check runs before the operation.
    expect(await h.core.stats()).toEqual({ meshes: 0, registrations: 0 });
  });

  it("limits the request rate per connection and asks to drop a flooding one", async () => {
    const h = new Harness({ rateLimit: { requestsPerSecond: 1, burst: 3 }, maxRefusals: 2 });
    const info: ResolverRequest = { operation: "GetServiceInfo", body: null };
    for (let i = 0; i < 3; i++) await h.call(info);
    const f = await h.fault(info);
    expect(f.remoteCode).toBe("QuotaExceeded");
    expect(f.subcode).toBe(`{${RESOLVER_FAULT_NAMESPACE}}QuotaExceeded`);
    expect(h.state.abort).toBe(false);
    await h.fault(info);
    await h.fault(info);
    expect(h.state.abort).toBe(true);
    // Time refills the bucket: one request per second.
    h.clock.advance(1000);
    expect((await h.call(info)).operation).toBe("GetServiceInfo");
    // A second connection has its own bucket.
    const other = h.dispatcher.createConnectionState();
    const reply = await h.dispatcher.handle(
      requestToMessage(info, { messageId: h.nextId() }),
      other,
    );
    expect(reply?.action).toBe(
      "http://schemas.microsoft.com/net/2006/05/peer/resolver/GetServiceSettingsResponse",
    );
    expect(h.dispatcher.counters().rateLimited).toBe(3);
  });

  it("refuses a request above maxRequestBytes without touching the store", async () => {
    const h = new Harness({ maxRequestBytes: 300 });
    const big: ResolverRequest = {
      operation: "Register",
      body: {
        ClientId: guid(1),
        MeshId: MESH,
        NodeAddress: {
          EndpointAddress: nodeAddress(1).EndpointAddress,
          IPAddresses: Array.from({ length: 20 }, (_, i) => `10.0.0.${i + 1}`),
        },
      },
    };
    const f = await h.fault(big);
    expect(f.remoteCode).toBe("QuotaExceeded");
    expect(f.reason).toContain("maxRequestBytes");
    expect(h.dispatcher.counters().oversize).toBe(1);
    expect(h.core.counters().requests.Register).toBe(0);
    expect((await h.call({ operation: "GetServiceInfo", body: null })).operation).toBe(
      "GetServiceInfo",
    );
  });

  it("returns fewer addresses rather than a ResolveResponse a WCF client would refuse", async () => {
    const h = new Harness();
    const wide = (n: number) => ({
      EndpointAddress: nodeAddress(n).EndpointAddress,
      IPAddresses: Array.from({ length: 64 }, (_, k) => `2001:db8::${k.toString(16)}:${n}`),
    });
    for (let n = 1; n <= 20; n++) {
      await h.core.register({ ClientId: guid(n), MeshId: MESH, NodeAddress: wide(n) });
    }
    // 20 × 64 addresses would be about 85 KB; the client's decoder allows 65536 bytes.
    const r = await h.call({
      operation: "Resolve",
      body: { ClientId: guid(99), MaxAddresses: 20, MeshId: MESH },
    });
    if (r.operation !== "Resolve") throw new Error("kind");
    expect(r.body.Addresses.length).toBeGreaterThan(5);
    expect(r.body.Addresses.length).toBeLessThan(20);
    expect(h.dispatcher.counters().trimmed).toBe(1);
    // Small replies are untouched.
    const small = await h.call({
      operation: "Resolve",
      body: { ClientId: guid(99), MaxAddresses: 3, MeshId: MESH },
    });
    expect(small.operation === "Resolve" && small.body.Addresses.length).toBe(3);
    expect(h.dispatcher.counters().trimmed).toBe(1);
  });

  it("answers a store failure with a Receiver fault that hides the cause", async () => {
    const store = new MemoryRegistrationStore();
    const h = new Harness({}, store);
    await store.close();
    const f = await h.fault(register(1));
    expect(f.soapCode).toBe("Receiver");
    expect(["Closed", "StoreFailure"]).toContain(f.remoteCode);
  });

  it("ignores replies and faults that relate to nothing", async () => {
    const h = new Harness();
    const stray = new Message({
      action: "http://schemas.microsoft.com/net/2006/05/peer/resolver/RegisterResponse",
      relatesTo: { id: "urn:uuid:00000000-0000-4000-9000-00000000ffff" },
    });
    expect(await h.exchange(stray)).toBeNull();
    expect(h.dispatcher.counters()).toMatchObject({ ignored: 1, faults: 0 });
  });
});

describe("ResolverDispatcher with arbitrary requests", () => {
  const guidArb = fc.uuid();
  const text = fc.option(fc.string({ maxLength: 40 }), { nil: null });
  const ipArb = fc.oneof(fc.ipV4(), fc.ipV6()).map((t) => parseIPAddress(t));
  const pnaArb = fc.option(
    fc.record({
      endpointAddress: fc.option(
        fc
          .oneof(
            fc.webUrl(),
            fc.uuid().map((g) => `net.tcp://10.0.0.1:1/PeerChannelEndpoints/${g}`),
          )
          .map((uri) => ({ uri })),
        { nil: null },
      ),
      ipAddresses: fc.option(fc.array(ipArb, { maxLength: 4 }), { nil: null }),
    }),
    { nil: null },
  );
  const requestArb = fc.oneof(
    fc
      .record({ clientId: guidArb, meshId: text, nodeAddress: pnaArb })
      .map((v) => createRegisterMessage(v)),
    fc
      .record({ clientId: guidArb, meshId: text, nodeAddress: pnaArb, registrationId: guidArb })
      .map((v) => createUpdateMessage(v)),
    fc
      .record({ clientId: guidArb, maxAddresses: fc.integer(), meshId: text })
      .map((v) => createResolveMessage(v)),
    fc.record({ meshId: text, registrationId: guidArb }).map((v) => createRefreshMessage(v)),
    fc.record({ meshId: text, registrationId: guidArb }).map((v) => createUnregisterMessage(v)),
  );

  it("always answers with a reply or a Sender fault, never throws", async () => {
    const h = new Harness({ rateLimit: { requestsPerSecond: 1e9, burst: 1e9 } });
    await fc.assert(
      fc.asyncProperty(requestArb, async (m) => {
        m.messageId = h.nextId();
        const reply = await h.exchange(m);
        expect(reply).not.toBeNull();
        expect(reply!.relatesTo?.id).toBe(m.messageId);
        if (reply!.action === "http://www.w3.org/2005/08/addressing/fault") {
          const fault = readFault(reply!.getBodyReader(), reply!.version);
          // Only the request can be to blame here: the memory store does not fail.
          expect(fault.code.name).toBe("Sender");
          expect(fault.code.subcode?.namespace).toBe(RESOLVER_FAULT_NAMESPACE);
        } else {
          expect(reply!.action).toMatch(
            /^http:\/\/schemas\.microsoft\.com\/net\/2006\/05\/peer\/resolver\//,
          );
        }
      }),
      { numRuns: 300 },
    );
    const c = h.dispatcher.counters();
    expect(c.replies + c.faults).toBe(c.messages);
  });
});
