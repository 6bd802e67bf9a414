import { createPingMessage, Message, PEER_ACTIONS } from "@prch/soap";
import { describe, expect, it } from "vitest";
import { connectNetTcp, MessageChannel, TransportError } from "../src/index.js";
import { startListener } from "./helpers.js";

async function pair() {
  const l = await startListener();
  const clientConn = await connectNetTcp({ endpointAddress: l.uri, ipAddresses: ["127.0.0.1"] });
  const serverConn = await l.next();
  const client = new MessageChannel(clientConn);
  const server = new MessageChannel(serverConn);
  return { ...l, client, server };
}

function textBody(
  action: string,
  text: string,
  init: Partial<ConstructorParameters<typeof Message>[0]> = {},
) {
  return new Message({
    action,
    ...init,
    body: (out) => {
      out.startElement("Echo", "urn:prch:test");
      out.writer.writeString(text);
      out.endElement();
    },
  });
}

describe("MessageChannel", () => {
  it("carries SOAP messages both ways with per-direction session dictionaries", async () => {
    const { listener, client, server } = await pair();
    try {
      const got: Message[] = [];
      const back: Message[] = [];
      server.on("message", (m) => got.push(m));
      client.on("message", (m) => back.push(m));
      server.resumeReading();
      client.resumeReading();
      // The same action twice: the second time it is a session string already defined.
      client.send(createPingMessage({ to: "net.p2p://mesh/" }));
      client.send(createPingMessage({ to: "net.p2p://mesh/" }));
      server.send(textBody("urn:prch:test/echo", "hello"));
      await waitFor(() => got.length === 2 && back.length === 1);
      expect(got.map((m) => m.action)).toEqual([PEER_ACTIONS.ping, PEER_ACTIONS.ping]);
      expect(got[1]!.to).toBe("net.p2p://mesh/");
      expect(back[0]!.action).toBe("urn:prch:test/echo");
      // What the client defined is exactly what the server learnt, direction by direction.
      expect(client.encoder.outgoing!.count).toBeGreaterThan(0);
      expect(server.encoder.incoming!.count).toBe(client.encoder.outgoing!.count);
      expect(client.encoder.incoming!.count).toBe(server.encoder.outgoing!.count);
      await client.end();
    } finally {
      await listener.close();
    }
  });

  it("correlates replies by RelatesTo, leaves other messages alone, and times out", async () => {
    const { listener, client, server } = await pair();
    try {
      const unsolicited: Message[] = [];
      client.on("message", (m) => unsolicited.push(m));
      server.on("message", (m) => {
        if (m.action === "urn:prch:test/silent") return;
        // A message that relates to nothing, then the reply.
        server.send(textBody("urn:prch:test/notice", "n"));
        server.send(textBody("urn:prch:test/reply", "r", { relatesTo: { id: m.messageId! } }));
      });
      server.resumeReading();
      client.resumeReading();
      const [a, b] = await Promise.all([
        client.request(textBody("urn:prch:test/ask", "a"), 5000),
        client.request(textBody("urn:prch:test/ask", "b"), 5000),
      ]);
      expect(a.action).toBe("urn:prch:test/reply");
      expect(b.action).toBe("urn:prch:test/reply");
      expect(a.relatesTo!.id).not.toBe(b.relatesTo!.id);
      expect(unsolicited.map((m) => m.action)).toEqual([
        "urn:prch:test/notice",
        "urn:prch:test/notice",
      ]);
      const late = client.request(textBody("urn:prch:test/silent", "x"), 50);
      await expect(late).rejects.toMatchObject({ code: "Timeout" });
      expect(client.pendingRequests).toBe(0);
      // Pending requests fail with the closing error.
      const orphan = client.request(textBody("urn:prch:test/silent", "y"), 60_000);
      server.abort();
      await expect(orphan).rejects.toBeInstanceOf(TransportError);
    } finally {
      await listener.close();
    }
  });

  it("aborts the link with DecodeFailed on an undecodable message", async () => {
    const { listener, client, server } = await pair();
    try {
      server.resumeReading();
      client.resumeReading();
      client.sendEncoded(new Uint8Array([0x00, 0x56, 0x02, 0xff, 0xff]));
      const e = await server.closed;
      expect(e?.code).toBe("DecodeFailed");
      await client.closed;
    } finally {
      await listener.close();
    }
  });
});

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
}

describe("MessageChannel robustness", () => {
  it("a handler that trips over a malformed body costs the link, not the process", async () => {
    const { listener, client, server } = await pair();
    try {
      server.on("message", (m) => {
        // A Ping-shaped message read as a Connect: the lazy body read throws a SoapError.
        m.readBody({ kind: "class" } as never, "Connect", "urn:nothing");
      });
      server.resumeReading();
      client.resumeReading();
      client.send(textBody("urn:prch:test/x", "not a connect"));
      expect((await server.closed)?.code).toBe("DecodeFailed");
    } finally {
      await listener.close();
    }
  });

  it("a handler bug ends the link with HandlerFailed", async () => {
    const { listener, client, server } = await pair();
    try {
      server.on("message", () => {
        throw new RangeError("bug");
      });
      server.resumeReading();
      client.resumeReading();
      client.send(textBody("urn:prch:test/x", "y"));
      const e = await server.closed;
      expect(e?.code).toBe("HandlerFailed");
      expect(e?.cause).toBeInstanceOf(RangeError);
    } finally {
      await listener.close();
    }
  });

  it("an envelope interceptor takes envelopes before decoding; the rest decode as usual", async () => {
    const { listener, client, server } = await pair();
    try {
      const got: string[] = [];
      const taken: number[] = [];
      server.on("message", (m) => got.push(m.action ?? ""));
      // Take every envelope whose StringTable is empty (the action is already a session string).
      server.interceptEnvelopes((payload) => {
        if (payload[0] !== 0) return false;
        taken.push(payload.length);
        return true;
      });
      server.resumeReading();
      client.resumeReading();
      client.send(textBody("urn:prch:test/a", "1"));
      client.send(textBody("urn:prch:test/a", "2"));
      client.send(textBody("urn:prch:test/b", "3"));
      await waitFor(() => got.length + taken.length === 3);
      expect(got).toEqual(["urn:prch:test/a", "urn:prch:test/b"]);
      expect(taken).toHaveLength(1);
      // Removed: everything is decoded again.
      server.interceptEnvelopes(undefined);
      client.send(textBody("urn:prch:test/a", "4"));
      await waitFor(() => got.length === 3);
      // An interceptor that throws costs the link, as a failed decode or handler does.
      server.interceptEnvelopes(() => {
        throw new RangeError("bug");
      });
      client.send(textBody("urn:prch:test/a", "5"));
      expect((await server.closed)?.code).toBe("HandlerFailed");
    } finally {
      await listener.close();
    }
  });

  it("holds messages while paused and delivers them in order on resume", async () => {
    const { listener, client, server } = await pair();
    try {
      const got: string[] = [];
      server.on("message", (m) => {
        got.push(m.action!);
        // Pause after every second message; the test resumes.
        if (got.length % 2 === 0) server.pauseReading();
      });
      server.resumeReading();
      client.resumeReading();
      for (let i = 0; i < 10; i++) client.send(textBody(`urn:prch:test/${i}`, String(i)));
      for (let round = 0; round < 200 && got.length < 10; round++) {
        await new Promise((r) => setTimeout(r, 5));
        server.resumeReading();
      }
      expect(got).toEqual(Array.from({ length: 10 }, (_, i) => `urn:prch:test/${i}`));
      await client.end();
    } finally {
      await listener.close();
    }
  });
});
