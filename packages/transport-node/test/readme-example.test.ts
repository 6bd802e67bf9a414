// The README's first example, kept runnable.
import { createPingMessage, Message } from "@prch/soap";
import { expect, it } from "vitest";
import { connectNetTcp, MessageChannel, NetTcpListener } from "../src/index.js";

it("README example: a listener and a connector exchange a SOAP message", async () => {
  const listener = new NetTcpListener({ host: "127.0.0.1" });
  listener.on("connection", (conn) => {
    const channel = new MessageChannel(conn);
    channel.on("message", (m) => {
      channel.send(new Message({ action: "urn:example:reply", relatesTo: { id: m.messageId! } }));
    });
    channel.resumeReading();
  });
  const port = await listener.listen();

  const conn = await connectNetTcp({
    endpointAddress: `net.tcp://localhost:${port}/service`,
    ipAddresses: ["127.0.0.1"],
  });
  const channel = new MessageChannel(conn);
  channel.resumeReading();
  const request = createPingMessage({ to: "net.p2p://mesh/" });
  request.messageId = "urn:uuid:6b3c2a5e-0d7f-4b8e-9a51-2f0c1d9e8a77";
  const reply = await channel.request(request, 5_000);
  expect(reply.action).toBe("urn:example:reply");
  expect(reply.relatesTo?.id).toBe("urn:uuid:6b3c2a5e-0d7f-4b8e-9a51-2f0c1d9e8a77");
  await channel.end();
  expect(await channel.closed).toBeUndefined();
  await listener.close();
});
