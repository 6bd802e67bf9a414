import { once } from "node:events";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { SocketMeter } from "../src/socket-meter.js";

describe("SocketMeter", () => {
  it("counts the bytes both ends of a loopback connection read", async () => {
    const meter = new SocketMeter();
    meter.start();
    const server = net.createServer((s) => {
      s.on("data", (d) => s.write(d));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as net.AddressInfo;
    const client = net.connect(port, "127.0.0.1");
    await once(client, "connect");
    const payload = Buffer.alloc(10_000, 7);
    client.write(payload);
    let echoed = 0;
    for await (const chunk of client) {
      echoed += (chunk as Buffer).length;
      if (echoed >= payload.length) break;
    }
    client.destroy();
    server.close();
    await once(server, "close");
    meter.stop();
    expect(echoed).toBe(payload.length);
    expect(meter.sockets).toBe(2);
    // 10,000 bytes read by the server, the same 10,000 echoed back and read by the client.
    expect(meter.bytesRead()).toBe(2 * payload.length);
  });

  it("ignores sockets opened after stop()", async () => {
    const meter = new SocketMeter();
    meter.start();
    meter.stop();
    const server = net.createServer((s) => s.end());
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as net.AddressInfo;
    const client = net.connect(port, "127.0.0.1");
    await once(client, "close");
    server.close();
    expect(meter.sockets).toBe(0);
  });
});
