import { describe, expect, it } from "vitest";
import { ResolverClientCore } from "../src/index.js";
import { dropMixedScopeAddresses, scopedScope } from "../src/address-filter.js";

const node = (...ips: string[]) => ({
  EndpointAddress: "net.tcp://h:1/PeerChannelEndpoints/x",
  IPAddresses: ips,
});

describe("Windows' resolved-address filter", () => {
  it("finds the scope of link-local and site-local literals only", () => {
    expect(scopedScope("fe80::1%4")).toBe("4");
    expect(scopedScope("FEBF::1%9")).toBe("9");
    expect(scopedScope("fec0::1")).toBe("0");
    expect(scopedScope("fe80::1")).toBe("0");
    expect(scopedScope("2001:db8::1")).toBeUndefined();
    expect(scopedScope("192.0.2.1")).toBeUndefined();
    expect(scopedScope("ff02::1%3")).toBeUndefined();
  });

  it("drops an address whose scoped IPs disagree, keeps the rest", () => {
    const ok = [
      node("192.0.2.1"),
      node("192.0.2.1", "fe80::1%4", "fec0::2%4", "2001:db8::1"),
      node("fe80::5%7"),
    ];
    const mixed = node("fe80::1%4", "fe80::2%5");
    const mixedSite = node("fe80::1%4", "fec0::1");
    expect(dropMixedScopeAddresses([...ok, mixed, mixedSite])).toEqual(ok);
  });

  it("is applied to what the client core reports from Resolve", () => {
    const core = new ResolverClientCore({ referralPolicy: "Share" });
    const { requestId } = core.resolve("m", 3, 0);
    const good = node("192.0.2.9");
    const actions = core.onResponse(
      requestId,
      { operation: "Resolve", body: { Addresses: [good, node("fe80::1%1", "fe80::2%2")] } },
      1,
    );
    expect(actions.find((a) => a.type === "resolved")).toEqual({
      type: "resolved",
      requestId,
      Addresses: [good],
    });
  });
});
