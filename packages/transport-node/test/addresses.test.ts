import { describe, expect, it } from "vitest";
import {
  addressKey,
  commonPrefixLength,
  type InterfaceTable,
  localAddresses,
  nodeEndpointUri,
  parseIp,
  Scope,
  scopeOf,
  sortDestinations,
  TransportError,
  uriHost,
  viaFor,
} from "../src/index.js";

describe("parseIp", () => {
  it("maps IPv4 onto ::ffff:0:0/96", () => {
    const ip = parseIp("192.0.2.33");
    expect(ip.family).toBe(4);
    expect([...ip.bytes]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 33]);
  });
  it("expands IPv6 with ::, zones and embedded IPv4", () => {
    expect([...parseIp("2001:db8::1").bytes]).toEqual([
      0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    ]);
    const ll = parseIp("[fe80::aa%7]");
    expect(ll.scopeId).toBe(7);
    expect(ll.address).toBe("fe80::aa");
    expect([...parseIp("::ffff:10.1.2.3").bytes.slice(10)]).toEqual([0xff, 0xff, 10, 1, 2, 3]);
    expect([...parseIp("1:2:3:4:5:6:7:8").bytes]).toEqual([
      0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8,
    ]);
  });
  it("rejects non-addresses with a typed error", () => {
    expect(() => parseIp("example.com")).toThrow(TransportError);
    expect(() => parseIp("300.1.1.1")).toThrow(TransportError);
  });
  it("classifies scopes as RFC 3484 §3.2 does", () => {
    expect(scopeOf(parseIp("127.0.0.1"))).toBe(Scope.linkLocal);
    expect(scopeOf(parseIp("169.254.1.1"))).toBe(Scope.linkLocal);
    expect(scopeOf(parseIp("10.0.0.1"))).toBe(Scope.siteLocal);
    expect(scopeOf(parseIp("192.168.1.1"))).toBe(Scope.siteLocal);
    expect(scopeOf(parseIp("8.8.8.8"))).toBe(Scope.global);
    expect(scopeOf(parseIp("fe80::1%2"))).toBe(Scope.linkLocal);
    expect(scopeOf(parseIp("fec0::1"))).toBe(Scope.siteLocal);
    expect(scopeOf(parseIp("2001:db8::1"))).toBe(Scope.global);
  });
  it("writes URI hosts with brackets and link-local zones", () => {
    expect(uriHost(parseIp("192.0.2.1"))).toBe("192.0.2.1");
    expect(uriHost(parseIp("2001:db8::1"))).toBe("[2001:db8::1]");
    expect(uriHost(parseIp("fe80::1%4"))).toBe("[fe80::1%4]");
  });
});

describe("RFC 3484 destination ordering (MC-PRCH §3.1.6.4.4)", () => {
  it("counts common prefix bits", () => {
    expect(commonPrefixLength(parseIp("2001:db8::1").bytes, parseIp("2001:db8::1").bytes)).toBe(
      128,
    );
    expect(commonPrefixLength(parseIp("10.0.0.1").bytes, parseIp("10.0.0.129").bytes)).toBe(120);
  });
  it("puts destinations we have no source for last (rule 1)", () => {
    const locals = [parseIp("192.0.2.10")];
    const sorted = sortDestinations([parseIp("2001:db8::5"), parseIp("198.51.100.7")], locals);
    expect(sorted.map((a) => a.address)).toEqual(["198.51.100.7", "2001:db8::5"]);
  });
  it("prefers IPv6 over IPv4 when both are usable (rule 6 precedence)", () => {
    const locals = [parseIp("192.0.2.10"), parseIp("2001:db8::10")];
    const sorted = sortDestinations([parseIp("198.51.100.7"), parseIp("2001:db8::5")], locals);
    expect(sorted.map((a) => a.address)).toEqual(["2001:db8::5", "198.51.100.7"]);
  });
  it("prefers matching scope (rule 2) and then the longer common prefix (rule 9)", () => {
    const locals = [parseIp("10.1.0.5")];
    const sorted = sortDestinations([parseIp("10.200.0.1"), parseIp("10.1.0.9")], locals);
    expect(sorted.map((a) => a.address)).toEqual(["10.1.0.9", "10.200.0.1"]);
    const scoped = sortDestinations(
      [parseIp("8.8.8.8"), parseIp("10.9.9.9")],
      [parseIp("10.1.0.5")],
    );
    expect(scoped[0]!.address).toBe("10.9.9.9");
  });
  it("keeps the original order when nothing decides (rule 10)", () => {
    const locals = [parseIp("192.0.2.10")];
    const d = [parseIp("198.51.100.1"), parseIp("198.51.100.2")];
    expect(sortDestinations(d, locals).map((a) => a.address)).toEqual([
      "198.51.100.1",
      "198.51.100.2",
    ]);
  });
});

describe("local addresses", () => {
  const table: InterfaceTable = {
    lo: [
      {
        address: "127.0.0.1",
        netmask: "255.0.0.0",
        family: "IPv4",
        mac: "00:00:00:00:00:00",
        internal: true,
        cidr: "127.0.0.1/8",
      },
      {
        address: "::1",
        netmask: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        family: "IPv6",
        mac: "00:00:00:00:00:00",
        internal: true,
        cidr: "::1/128",
        scopeid: 0,
      },
    ],
    eth0: [
      {
        address: "192.0.2.7",
        netmask: "255.255.255.0",
        family: "IPv4",
        mac: "02:00:00:00:00:01",
        internal: false,
        cidr: "192.0.2.7/24",
      },
      {
        address: "fe80::1",
        netmask: "ffff:ffff:ffff:ffff::",
        family: "IPv6",
        mac: "02:00:00:00:00:01",
        internal: false,
        cidr: "fe80::1/64",
        scopeid: 2,
      },
      {
        address: "2001:db8::7",
        netmask: "ffff:ffff:ffff:ffff::",
        family: "IPv6",
        mac: "02:00:00:00:00:01",
        internal: false,
        cidr: "2001:db8::7/64",
        scopeid: 0,
      },
    ],
  };
  it("publishes every non-loopback interface address, IPv4 and IPv6 (multihoming)", () => {
    const got = localAddresses({}, table);
    expect(got.map((a) => `${a.address}%${a.scopeId}`)).toEqual([
      "192.0.2.7%0",
      "fe80::1%2",
      "2001:db8::7%0",
    ]);
  });
  it("can include loopback, drop IPv6, or pin one ListenIPAddress", () => {
    expect(
      localAddresses({ includeLoopback: true, ipv6: false }, table).map((a) => a.address),
    ).toEqual(["127.0.0.1", "192.0.2.7"]);
    expect(localAddresses({ listenIPAddress: "127.0.0.1" }, table).map((a) => a.address)).toEqual([
      "127.0.0.1",
    ]);
  });
  it("fingerprints address sets independently of order", () => {
    const a = localAddresses({}, table);
    expect(addressKey(a)).toBe(addressKey([...a].reverse()));
    expect(addressKey(a)).not.toBe(addressKey(a.slice(1)));
  });
  it("sees at least one address on this host with loopback included", () => {
    expect(localAddresses({ includeLoopback: true }).length).toBeGreaterThan(0);
  });
});

describe("node endpoint and Via", () => {
  it("builds the Windows listen URI shape", () => {
    const uri = nodeEndpointUri("host1", 31337, "0f8fad5b-d9cb-469f-a165-70867728950e");
    expect(uri).toBe(
      "net.tcp://host1:31337/PeerChannelEndpoints/0f8fad5b-d9cb-469f-a165-70867728950e",
    );
    expect(nodeEndpointUri("h", 1)).toMatch(
      /^net\.tcp:\/\/h:1\/PeerChannelEndpoints\/[0-9a-f-]{36}$/,
    );
  });
  it("replaces the host with one IP literal, defaulting the port to 808", () => {
    expect(viaFor("net.tcp://host1:9000/PeerChannelEndpoints/x", parseIp("192.0.2.1"))).toBe(
      "net.tcp://192.0.2.1:9000/PeerChannelEndpoints/x",
    );
    expect(viaFor("net.tcp://host1/PeerChannelEndpoints/x", parseIp("fe80::1%3"))).toBe(
      "net.tcp://[fe80::1%3]:808/PeerChannelEndpoints/x",
    );
    expect(() => viaFor("http://h/x", parseIp("192.0.2.1"))).toThrow(TransportError);
  });
});
