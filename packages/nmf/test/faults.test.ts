import { describe, expect, it } from "vitest";
import {
  encodeRecord,
  FAULT_NAMESPACE,
  FaultName,
  faultUri,
  isFault,
  RecordDecoder,
  wellKnownFault,
} from "../src/index.js";

describe("framing faults (MC-NMF §2.2.5)", () => {
  it("has the 15 well-known names in the framing namespace", () => {
    expect(FAULT_NAMESPACE).toBe("http://schemas.microsoft.com/ws/2006/05/framing/faults/");
    expect(Object.values(FaultName)).toHaveLength(15);
    expect(faultUri(FaultName.UnsupportedMode)).toBe(
      "http://schemas.microsoft.com/ws/2006/05/framing/faults/UnsupportedMode",
    );
  });

  it("recognises every well-known fault and nothing else", () => {
    for (const name of Object.values(FaultName)) {
      expect(wellKnownFault(faultUri(name))).toBe(name);
      expect(isFault(faultUri(name), name)).toBe(true);
    }
    expect(wellKnownFault(`${FAULT_NAMESPACE}NoSuchFault`)).toBeUndefined();
    expect(wellKnownFault("urn:vendor:faults/UnsupportedMode")).toBeUndefined();
    expect(wellKnownFault(`${FAULT_NAMESPACE}unsupportedmode`)).toBeUndefined();
    expect(isFault(faultUri(FaultName.ViaTooLong), FaultName.ServerTooBusy)).toBe(false);
  });

  it("travels in a Fault record as UTF-8 with a size prefix", () => {
    const uri = faultUri(FaultName.MaxMessageSizeExceededFault);
    const bytes = encodeRecord({ type: "fault", fault: uri });
    expect(bytes[0]).toBe(0x08);
    expect(bytes[1]).toBe(uri.length);
    const d = new RecordDecoder();
    d.push(bytes);
    expect(d.next()).toEqual({ type: "fault", fault: uri });
  });
});
