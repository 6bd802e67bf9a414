import { describe, expect, it } from "vitest";
import { parseCollabArgs } from "../src/args.js";

describe("prch-collab arguments", () => {
  it("defaults the multicast interface to the listen host", () => {
    const a = parseCollabArgs(["--name", "alice", "--host", "10.77.0.1"]);
    expect(a).toMatchObject({
      name: "alice",
      host: "10.77.0.1",
      iface: "10.77.0.1",
      pnmPort: 47830,
      auto: "ask",
    });
    expect(parseCollabArgs(["--name", "x", "--host", "0.0.0.0"]).iface).toBeUndefined();
  });

  it("refuses missing names, bad ports and unknown answer modes", () => {
    expect(() => parseCollabArgs([])).toThrow(/--name/);
    expect(() => parseCollabArgs(["--name", "a", "--port", "70000"])).toThrow(/--port/);
    expect(() => parseCollabArgs(["--name", "a", "--auto", "maybe"])).toThrow(/--auto/);
    expect(() => parseCollabArgs(["--name", "a", "--bogus"])).toThrow();
  });
});
