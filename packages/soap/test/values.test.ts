import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatDuration,
  formatIPAddress,
  ipv4ToMAddress,
  mAddressToIPv4,
  parseDuration,
  parseIPAddress,
} from "../src/index.js";
import { readBackText } from "./roundtrip.js";
import { dcIPAddress } from "../src/index.js";

const TICKS_PER_SECOND = 10_000_000n;

describe("xs:duration (XmlConvert.ToString(TimeSpan))", () => {
  it.each([
    [0n, "PT0S"],
    [600n * TICKS_PER_SECOND, "PT10M"],
    [3600n * TICKS_PER_SECOND, "PT1H"],
    [86400n * TICKS_PER_SECOND, "P1D"],
    [(86400n + 2n * 3600n + 3n * 60n + 4n) * TICKS_PER_SECOND + 5_000_000n, "P1DT2H3M4.5S"],
    [1n, "PT0.0000001S"],
    [-(344n * TICKS_PER_SECOND), "-PT5M44S"],
    [(3n * 3600n + 20n * 60n) * TICKS_PER_SECOND, "PT3H20M"],
    [(1n << 63n) - 1n, "P10675199DT2H48M5.4775807S"],
    [-(1n << 63n), "-P10675199DT2H48M5.4775808S"],
  ])("%s ticks is %s", (ticks, text) => {
    expect(formatDuration(ticks)).toBe(text);
    expect(parseDuration(text)).toBe(ticks);
  });

  it("parses years and months as 365 and 30 days and drops digits below 100 ns", () => {
    expect(parseDuration("P1Y")).toBe(365n * 86400n * TICKS_PER_SECOND);
    expect(parseDuration("P1M")).toBe(30n * 86400n * TICKS_PER_SECOND);
    expect(parseDuration("PT0.123456789S")).toBe(1234567n);
  });

  it("rejects non-durations and overflow", () => {
    for (const s of [
      "",
      "P",
      "PT",
      "1D",
      "P1H",
      "PT1D",
      "P-1D",
      "P10675199DT2H48M5.4775808S",
      "PT1.S",
    ]) {
      expect(parseDuration(s)).toBeUndefined();
    }
  });

  it("round-trips every TimeSpan (property)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), (t) => {
        expect(parseDuration(formatDuration(t))).toBe(t);
      }),
      { numRuns: 300 },
    );
  });
});

describe("System.Net.IPAddress", () => {
  it("m_Address is the IPv4 bytes read little-endian (MC-PRCH §4.1.3)", () => {
    expect(ipv4ToMAddress(Uint8Array.from([157, 59, 137, 223]))).toBe(3750312861n);
    expect(Array.from(mAddressToIPv4(3750312861n))).toEqual([157, 59, 137, 223]);
    expect(ipv4ToMAddress(Uint8Array.from([127, 0, 0, 1]))).toBe(0x0100007fn);
  });

  it("parses and formats IPv4, IPv6, embedded IPv4 and scoped addresses", () => {
    for (const [input, out] of [
      ["10.0.0.1", "10.0.0.1"],
      ["2001:7d:28:3:f6:159:1c8:237", "2001:7d:28:3:f6:159:1c8:237"],
      ["fe80::698f:7129:bc8a:ad8c%5", "fe80::698f:7129:bc8a:ad8c%5"],
      ["::1", "::1"],
      ["::", "::"],
      ["::ffff:1.2.3.4", "::ffff:102:304"],
      ["2001:0db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ] as const) {
      expect(formatIPAddress(parseIPAddress(input))).toBe(out);
    }
    expect(() => parseIPAddress("1.2.3")).toThrow(
      expect.objectContaining({ code: "invalid-argument" }),
    );
    expect(() => parseIPAddress("10.0.0.1%2")).toThrow(
      expect.objectContaining({ code: "invalid-argument" }),
    );
  });

  it("reads Mono's _addressOrScopeId/_numbers form", () => {
    // As Mono 6.8's DataContractSerializer writes System.Net.IPAddress.
    const ns = "http://schemas.datacontract.org/2004/07/System.Net";
    const v4 = `<Root xmlns="${ns}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><_addressOrScopeId>3750312861</_addressOrScopeId><_hashCode>0</_hashCode><_numbers xmlns:d3p1="http://schemas.microsoft.com/2003/10/Serialization/Arrays" i:nil="true" /><_toString i:nil="true" /></Root>`;
    expect(formatIPAddress(readBackText(v4, dcIPAddress)!)).toBe("157.59.137.223");
    const nums = [65152, 0, 0, 0, 27023, 28969, 48266, 44428]
      .map((n) => `<d3p1:unsignedShort>${n}</d3p1:unsignedShort>`)
      .join("");
    const v6 = `<Root xmlns="${ns}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><_addressOrScopeId>5</_addressOrScopeId><_hashCode>0</_hashCode><_numbers xmlns:d3p1="http://schemas.microsoft.com/2003/10/Serialization/Arrays">${nums}</_numbers><_toString i:nil="true" /></Root>`;
    expect(formatIPAddress(readBackText(v6, dcIPAddress)!)).toBe("fe80::698f:7129:bc8a:ad8c%5");
  });

  it("rejects IPv6 without eight groups and unknown families", () => {
    const ns = "http://schemas.datacontract.org/2004/07/System.Net";
    const arr = "http://schemas.microsoft.com/2003/10/Serialization/Arrays";
    const short = `<Root xmlns="${ns}"><m_Address>0</m_Address><m_Family>InterNetworkV6</m_Family><m_HashCode>0</m_HashCode><m_Numbers xmlns:c="${arr}"><c:unsignedShort>1</c:unsignedShort></m_Numbers><m_ScopeId>0</m_ScopeId></Root>`;
    expect(() => readBackText(short, dcIPAddress)).toThrow(
      expect.objectContaining({ code: "invalid-value" }),
    );
    const fam = `<Root xmlns="${ns}"><m_Address>0</m_Address><m_Family>AppleTalk</m_Family></Root>`;
    expect(() => readBackText(fam, dcIPAddress)).toThrow(
      expect.objectContaining({ code: "invalid-value" }),
    );
    // The spec prose's "Internetwork" casing is not what Windows sends (README trap).
    const casing = `<Root xmlns="${ns}"><m_Address>1</m_Address><m_Family>Internetwork</m_Family></Root>`;
    expect(() => readBackText(casing, dcIPAddress)).toThrow(
      expect.objectContaining({ code: "invalid-value" }),
    );
  });
});
