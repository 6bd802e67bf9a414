import { describe, expect, it } from "vitest";
import { formatNetTcpVia, NmfError, parseNetTcpVia } from "../src/index.js";

describe("net.tcp Via parsing (MC-NMF §6 <13>)", () => {
  it("defaults the port to 808", () => {
    expect(parseNetTcpVia("net.tcp://SampleServer/SampleApp/")).toEqual({
      host: "SampleServer",
      ipv6: false,
      port: 808,
      explicitPort: false,
      path: "/SampleApp/",
    });
  });
  it("reads explicit ports, IPv4 and bracketed IPv6 with a zone", () => {
    expect(parseNetTcpVia("net.tcp://10.0.0.1:9000/x?y#z")).toMatchObject({
      host: "10.0.0.1",
      port: 9000,
      explicitPort: true,
      path: "/x?y#z",
    });
    expect(parseNetTcpVia("NET.TCP://[fe80::1%4]:31337/PeerChannelEndpoints/abc")).toEqual({
      host: "fe80::1%4",
      ipv6: true,
      port: 31337,
      explicitPort: true,
      path: "/PeerChannelEndpoints/abc",
    });
    expect(parseNetTcpVia("net.tcp://[::1]")).toMatchObject({ host: "::1", port: 808, path: "/" });
    expect(parseNetTcpVia("net.tcp://host:")).toMatchObject({ port: 808, explicitPort: false });
  });
  it.each([
    "http://host/",
    "net.tcp:host/",
    "net.tcp:///path",
    "net.tcp://user@host/",
    "net.tcp://host:99999/",
    "net.tcp://host:80a/",
    "net.tcp://[fe80::1/",
    "net.tcp://[nothex]/",
    "net.tcp://[::1]x/",
    "net.tcp://ho st/",
  ])("rejects %s", (via) => {
    expect(() => parseNetTcpVia(via)).toThrow(NmfError);
  });
  it("formats Vias that parse back", () => {
    const via = formatNetTcpVia({ host: "fe80::1%4", port: 808, path: "/a" });
    expect(via).toBe("net.tcp://[fe80::1%4]:808/a");
    expect(parseNetTcpVia(via)).toMatchObject({ host: "fe80::1%4", port: 808, path: "/a" });
  });
});
