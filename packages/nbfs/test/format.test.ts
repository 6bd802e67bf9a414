import { describe, expect, it } from "vitest";
import {
  formatDateTime,
  formatDecimal,
  formatDouble,
  formatFloat,
  formatTimeSpan,
  guidFromBytes,
  guidToBytes,
  valueToString,
} from "../src/index.js";

function fromBits(bits: bigint): number {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setBigUint64(0, bits);
  return dv.getFloat64(0);
}

describe(".NET renderings of typed values", () => {
  // Expected strings checked against Mono's XmlConvert (the .NET Framework code).
  it("float32: 7 digits when they read back, else 9; E-notation past the precision", () => {
    expect(formatFloat(Math.fround(1.1))).toBe("1.1");
    expect(formatFloat(Math.fround(32.45))).toBe("32.45");
    expect(formatFloat(Math.fround(0.1))).toBe("0.1");
    expect(formatFloat(1234567)).toBe("1234567");
    expect(formatFloat(123456.7)).toBe("123456.7");
    expect(formatFloat(1e7)).toBe("1E+07");
    expect(formatFloat(16777216)).toBe("16777216");
    expect(formatFloat(Math.fround(3.4028235e38))).toBe("3.40282347E+38");
    expect(formatFloat(Math.fround(0.0001))).toBe("0.0001");
    expect(formatFloat(Math.fround(0.00001))).toBe("1E-05");
    expect(formatFloat(Math.fround(1.5e-45))).toBe("1.401298E-45");
    expect(formatFloat(Math.fround(0.3))).toBe("0.3");
    expect(formatFloat(Math.fround(16777217))).toBe("16777216");
    expect(formatFloat(Math.fround(1.0000001))).toBe("1.00000012");
    expect(formatFloat(-2.5)).toBe("-2.5");
  });

  it("double: 15 digits when they read back, else 17 (.NET 'R')", () => {
    // The bit patterns of the MC-NBFX §3 DoubleText examples.
    expect(formatDouble(fromBits(0x4005bf0a8b145774n))).toBe("2.71828182845905");
    expect(formatDouble(fromBits(0x400921fb54442d11n))).toBe("3.14159265358979");
    expect(formatDouble(Math.E)).toBe("2.7182818284590451");
    expect(formatDouble(0.1)).toBe("0.1");
    expect(formatDouble(0.1 + 0.2)).toBe("0.30000000000000004");
    expect(formatDouble(5e-324)).toBe("4.94065645841247E-324");
    expect(formatDouble(1234567890123456.8)).toBe("1234567890123456.8");
    expect(formatDouble(1e300)).toBe("1E+300");
    expect(formatDouble(1e15)).toBe("1E+15");
    expect(formatDouble(123456789012345)).toBe("123456789012345");
    expect(formatDouble(12345678901234568)).toBe("12345678901234568");
    expect(formatDouble(1.2345678901234568e17)).toBe("1.2345678901234568E+17");
    expect(formatDouble(1e-5)).toBe("1E-05");
    expect(formatDouble(1.5e-300)).toBe("1.5E-300");
    expect(formatDouble(0.0001)).toBe("0.0001");
    expect(formatDouble(-0.5)).toBe("-0.5");
  });

  it("special values (MC-NBFX §2.2.3.9/10)", () => {
    for (const f of [formatFloat, formatDouble]) {
      expect(f(Number.POSITIVE_INFINITY)).toBe("INF");
      expect(f(Number.NEGATIVE_INFINITY)).toBe("-INF");
      expect(f(Number.NaN)).toBe("NaN");
      expect(f(-0)).toBe("-0");
      expect(f(0)).toBe("0");
    }
  });

  it("decimal keeps its scale like .NET", () => {
    expect(formatDecimal({ mantissa: 5123456n, scale: 6, negative: false })).toBe("5.123456");
    expect(formatDecimal({ mantissa: 150n, scale: 2, negative: false })).toBe("1.50");
    expect(formatDecimal({ mantissa: 5n, scale: 3, negative: true })).toBe("-0.005");
    expect(formatDecimal({ mantissa: 2n ** 96n - 1n, scale: 0, negative: false })).toBe(
      "79228162514264337593543950335",
    );
    expect(formatDecimal({ mantissa: 0n, scale: 0, negative: true })).toBe("0");
  });

  it("DateTime with its kind (MC-NBFX §2.2.3.12 and §3)", () => {
    expect(formatDateTime({ ticks: 3155378975999999999n, kind: "unspecified" })).toBe(
      "9999-12-31T23:59:59.9999999",
    );
    expect(formatDateTime({ ticks: 632834208000000000n, kind: "unspecified" })).toBe(
      "2006-05-17T00:00:00",
    );
    expect(formatDateTime({ ticks: 632834208000000000n + 1234000n, kind: "utc" })).toBe(
      "2006-05-17T00:00:00.1234Z",
    );
    expect(formatDateTime({ ticks: 0n, kind: "unspecified" })).toBe("0001-01-01T00:00:00");
    // Local: UTC ticks shown in this machine's zone, with its offset.
    const local = formatDateTime({ ticks: 632834208000000000n, kind: "local" });
    expect(local).toMatch(/^2006-05-1[67]T\d\d:\d\d:00[+-]\d\d:\d\d$/);
    const off = -new Date(Date.UTC(2006, 4, 17)).getTimezoneOffset();
    const sign = off < 0 ? "-" : "+";
    const a = Math.abs(off);
    expect(
      local.endsWith(
        `${sign}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`,
      ),
    ).toBe(true);
  });

  it("TimeSpan as xs:duration (MC-NBFX §3 examples)", () => {
    expect(formatTimeSpan(-3440000000n)).toBe("-PT5M44S");
    expect(formatTimeSpan(120000000000n)).toBe("PT3H20M");
    expect(formatTimeSpan(0n)).toBe("PT0S");
    expect(formatTimeSpan(864000000000n + 1n)).toBe("P1DT0.0000001S");
    expect(formatTimeSpan(-(2n ** 63n))).toBe("-P10675199DT2H48M5.4775808S");
    expect(formatTimeSpan(2n ** 63n - 1n)).toBe("P10675199DT2H48M5.4775807S");
  });

  it("GUIDs lowercase in .NET byte order; UniqueId with urn:uuid:", () => {
    const b = Uint8Array.from([
      0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
    ]);
    expect(guidFromBytes(b)).toBe("33221100-5544-7766-8899-aabbccddeeff");
    expect(Array.from(guidToBytes("33221100-5544-7766-8899-AABBCCDDEEFF"))).toEqual(Array.from(b));
    expect(valueToString({ type: "uniqueid", value: "33221100-5544-7766-8899-aabbccddeeff" })).toBe(
      "urn:uuid:33221100-5544-7766-8899-aabbccddeeff",
    );
    expect(() => guidToBytes("33221100-5544-7766-8899-aabbccddeefg")).toThrow(/not a GUID/);
  });

  it("lists join with single spaces; QName joins prefix and name", () => {
    expect(
      valueToString({
        type: "list",
        items: [
          { type: "bool", value: true },
          { type: "bool", value: false },
          { type: "int32", value: 0 },
          { type: "int32", value: 1 },
        ],
      }),
    ).toBe("true false 0 1");
    expect(valueToString({ type: "qname", prefix: "b", localName: { id: 2, value: "name" } })).toBe(
      "b:name",
    );
  });
});
