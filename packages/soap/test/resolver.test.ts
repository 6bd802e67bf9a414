import { describe, expect, it } from "vitest";
import {
  BinaryMessageEncoder,
  createGetServiceSettingsMessage,
  createRefreshMessage,
  createRefreshResponseMessage,
  createRegisterMessage,
  createRegisterResponseMessage,
  createResolveMessage,
  createResolveResponseMessage,
  createServiceSettingsResponseMessage,
  createUnregisterMessage,
  createUnregisterResponseMessage,
  createUpdateMessage,
  type Message,
  type MessageEncoder,
  parseGetServiceSettings,
  parseIPAddress,
  parseRefresh,
  parseRefreshResponse,
  parseRegister,
  parseRegisterResponse,
  parseResolve,
  parseResolveResponse,
  parseServiceSettingsResponse,
  parseUnregister,
  parseUnregisterResponse,
  parseUpdate,
  RESOLVER_ACTIONS,
  TextMessageEncoder,
  WSA,
} from "../src/index.js";

const CLIENT = "0b2c3d4e-5f60-4172-8394-a5b6c7d8e9f0";
const REG = "11111111-2222-4333-8444-555555555555";
const PNA = {
  endpointAddress: {
    uri: "net.tcp://10.0.0.5:31337/PeerChannelEndpoints/6f1c0e1a-3b0e-4d0e-9d55-1f8d7b8c9a01",
  },
  ipAddresses: [parseIPAddress("10.0.0.5"), parseIPAddress("fe80::1%3")],
};
const TEN_MINUTES = 6_000_000_000n;
const REQ = {
  to: "net.tcp://resolver:8089/",
  messageId: "urn:uuid:9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
  replyTo: WSA.anonymous10,
};
const REPLY = { to: WSA.anonymous10, relatesTo: REQ.messageId };

function pair(): [MessageEncoder, MessageEncoder][] {
  return [
    [new TextMessageEncoder(), new TextMessageEncoder()],
    [new BinaryMessageEncoder({ session: true }), new BinaryMessageEncoder({ session: true })],
  ];
}

function transfer(tx: MessageEncoder, rx: MessageEncoder, m: Message): Message {
  return rx.decode(tx.encode(m));
}

describe("MC-PRCR messages", () => {
  for (const [tx, rx] of pair()) {
    describe(tx.kind, () => {
      it("Register / RegisterResponse", () => {
        const req = transfer(
          tx,
          rx,
          createRegisterMessage({ clientId: CLIENT, meshId: "ExampleMesh", nodeAddress: PNA }, REQ),
        );
        expect(req.action).toBe(RESOLVER_ACTIONS.register);
        expect(req.messageId).toBe(REQ.messageId);
        expect(req.replyTo?.uri).toBe(WSA.anonymous10);
        const r = parseRegister(req);
        expect(r.clientId).toBe(CLIENT);
        expect(r.meshId).toBe("ExampleMesh");
        expect(r.nodeAddress?.endpointAddress?.uri).toBe(PNA.endpointAddress.uri);
        expect(r.nodeAddress?.ipAddresses?.[1]?.scopeId).toBe(3n);
        const rep = transfer(
          tx,
          rx,
          createRegisterResponseMessage(
            { registrationId: REG, registrationLifetime: TEN_MINUTES },
            REPLY,
          ),
        );
        expect(rep.relatesTo?.id).toBe(REQ.messageId);
        expect(parseRegisterResponse(rep)).toEqual({
          registrationId: REG,
          registrationLifetime: TEN_MINUTES,
        });
      });

      it("Update (body UpdateInfo) / UpdateResponse", () => {
        const req = transfer(
          tx,
          rx,
          createUpdateMessage(
            { clientId: CLIENT, meshId: "m", nodeAddress: PNA, registrationId: REG },
            REQ,
          ),
        );
        expect(parseUpdate(req).registrationId).toBe(REG);
        const rep = transfer(
          tx,
          rx,
          createRegisterResponseMessage(
            { registrationId: REG, registrationLifetime: TEN_MINUTES },
            { ...REPLY, forUpdate: true },
          ),
        );
        expect(rep.action).toBe(RESOLVER_ACTIONS.updateResponse);
        expect(parseRegisterResponse(rep).registrationId).toBe(REG);
      });

      it("Resolve / ResolveResponse", () => {
        const req = transfer(
          tx,
          rx,
          createResolveMessage({ clientId: CLIENT, maxAddresses: 5, meshId: "ExampleMesh" }, REQ),
        );
        expect(parseResolve(req)).toEqual({
          clientId: CLIENT,
          maxAddresses: 5,
          meshId: "ExampleMesh",
        });
        const rep = transfer(
          tx,
          rx,
          createResolveResponseMessage({ addresses: [PNA, PNA] }, REPLY),
        );
        const addrs = parseResolveResponse(rep).addresses;
        expect(addrs).toHaveLength(2);
        expect(addrs?.[0]?.endpointAddress?.uri).toBe(PNA.endpointAddress.uri);
      });

      it("Refresh / RefreshResponse", () => {
        expect(
          parseRefresh(
            transfer(tx, rx, createRefreshMessage({ meshId: "m", registrationId: REG }, REQ)),
          ),
        ).toEqual({
          meshId: "m",
          registrationId: REG,
        });
        const rep = transfer(
          tx,
          rx,
          createRefreshResponseMessage(
            { registrationLifetime: 0n, result: "RegistrationNotFound" },
            REPLY,
          ),
        );
        expect(parseRefreshResponse(rep)).toEqual({
          registrationLifetime: 0n,
          result: "RegistrationNotFound",
        });
      });

      it("Unregister and its empty reply (WSDL action, not MC-PRCR §3)", () => {
        expect(
          parseUnregister(
            transfer(tx, rx, createUnregisterMessage({ meshId: "m", registrationId: REG }, REQ)),
          ),
        ).toEqual({
          meshId: "m",
          registrationId: REG,
        });
        const rep = transfer(tx, rx, createUnregisterResponseMessage(REPLY));
        expect(rep.action).toBe(
          "http://schemas.microsoft.com/net/2006/05/peer/resolver/IPeerResolverContract/UnregisterResponse",
        );
        expect(rep.isEmpty).toBe(true);
        expect(() => parseUnregisterResponse(rep)).not.toThrow();
      });

      it("GetServiceSettings (empty) / ServiceSettings", () => {
        const req = transfer(tx, rx, createGetServiceSettingsMessage(REQ));
        expect(req.isEmpty).toBe(true);
        expect(() => parseGetServiceSettings(req)).not.toThrow();
        const rep = transfer(
          tx,
          rx,
          createServiceSettingsResponseMessage({ controlMeshShape: true }, REPLY),
        );
        expect(parseServiceSettingsResponse(rep)).toEqual({ controlMeshShape: true });
      });
    });
  }

  it("puts bodies in the peer namespace, not ns/resolver", () => {
    const xml = new TextMessageEncoder().encodeToString(
      createRegisterMessage({ clientId: CLIENT, meshId: "m", nodeAddress: null }, REQ),
    );
    expect(xml).toContain(
      '<s:Body><Register xmlns="http://schemas.microsoft.com/net/2006/05/peer" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><ClientId>0b2c3d4e-5f60-4172-8394-a5b6c7d8e9f0</ClientId><MeshId>m</MeshId><NodeAddress i:nil="true"/></Register></s:Body>',
    );
  });
});
