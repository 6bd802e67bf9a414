import { describe, expect, it } from "vitest";
import { AddressMonitor, type InterfaceTable, type IpAddress } from "../src/index.js";

function entry(address: string, family: "IPv4" | "IPv6", scopeid?: number) {
  return {
    address,
    family,
    netmask: family === "IPv4" ? "255.255.255.0" : "ffff:ffff:ffff:ffff::",
    mac: "00:00:00:00:00:00",
    internal: false,
    cidr: null,
    ...(scopeid !== undefined ? { scopeid } : {}),
  };
}

describe("AddressMonitor", () => {
  it("emits changed only when the published list changes", () => {
    let table: InterfaceTable = { eth0: [entry("192.0.2.10", "IPv4")] as never };
    const m = new AddressMonitor({ table: () => table });
    const seen: [readonly IpAddress[], readonly IpAddress[]][] = [];
    m.on("changed", (now, before) => seen.push([now, before]));
    expect(m.addresses.map((a) => a.address)).toEqual(["192.0.2.10"]);
    expect(m.check()).toBe(false);
    // Same addresses, other order and interface names: no change.
    table = { eth1: [entry("192.0.2.10", "IPv4")] as never };
    expect(m.check()).toBe(false);
    table = {
      eth0: [
        entry("192.0.2.10", "IPv4"),
        entry("2001:db8::5", "IPv6"),
        entry("fe80::1", "IPv6", 0),
      ] as never,
    };
    expect(m.check()).toBe(true);
    expect(seen).toHaveLength(1);
    // The zone-less link-local address is not publishable and so not part of the list.
    expect(seen[0]![0].map((a) => a.address).sort()).toEqual(["192.0.2.10", "2001:db8::5"]);
    expect(seen[0]![1].map((a) => a.address)).toEqual(["192.0.2.10"]);
    table = {};
    expect(m.check()).toBe(true);
    expect(m.addresses).toEqual([]);
  });

  it("honours ListenIPAddress: only that address, whatever the table says", () => {
    let table: InterfaceTable = { eth0: [entry("192.0.2.10", "IPv4")] as never };
    const m = new AddressMonitor({ table: () => table, listenIPAddress: "198.51.100.7" });
    table = { eth0: [entry("192.0.2.99", "IPv4")] as never };
    expect(m.check()).toBe(false);
    expect(m.addresses.map((a) => a.address)).toEqual(["198.51.100.7"]);
  });

  it("polls on its own once started, and stops", async () => {
    let n = 0;
    const m = new AddressMonitor({
      intervalMs: 5,
      table: () => ({ eth0: [entry(`192.0.2.${++n}`, "IPv4")] as never }),
    });
    const changed = new Promise<readonly IpAddress[]>((res) => m.once("changed", (a) => res(a)));
    m.start();
    expect(m.running).toBe(true);
    const got = await changed;
    m.stop();
    expect(m.running).toBe(false);
    expect(got[0]!.address).not.toBe("192.0.2.1");
  });

  it("treats an unreadable table as no change", () => {
    let fail = false;
    const m = new AddressMonitor({
      table: () => {
        if (fail) throw new Error("EPERM");
        return { eth0: [entry("192.0.2.10", "IPv4")] as never };
      },
    });
    fail = true;
    expect(m.check()).toBe(false);
    expect(m.addresses).toHaveLength(1);
  });
});
