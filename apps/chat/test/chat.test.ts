import { ResolverService } from "@prch/resolver-prcr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseChatArgs } from "../src/args.js";
import { Chat, ensureBuilt } from "./support.js";

// Real processes on 127.0.0.1, driven through piped stdin/stdout as a script would.
beforeAll(ensureBuilt);

describe("prch-chat arguments", () => {
  it("has defaults and rejects bad combinations", () => {
    const a = parseChatArgs(["--name", "zoe"], {});
    expect(a).toMatchObject({
      mesh: "demo",
      name: "zoe",
      host: "127.0.0.1",
      port: 0,
      resolver: undefined,
    });
    expect(() => parseChatArgs(["--cert", "c.pem"], {})).toThrow(/--cert and --key/);
    expect(() => parseChatArgs(["--password", "p", "--cert", "c", "--key", "k"], {})).toThrow(
      /not both/,
    );
    expect(() => parseChatArgs(["--port", "70000"], {})).toThrow(/--port/);
    expect(() => parseChatArgs(["--bogus"], {})).toThrow();
    expect(parseChatArgs(["--", "--name", "amy"], {}).name).toBe("amy");
  });
});

describe("prch-chat between processes", () => {
  let resolver: ResolverService;
  beforeAll(async () => {
    resolver = new ResolverService({ host: "127.0.0.1", port: 0 });
    await resolver.listen();
  });
  afterAll(async () => {
    await resolver.close();
  });

  for (const mode of ["none", "password"] as const) {
    it(`two terminals chat (security ${mode})`, async () => {
      const sec = mode === "password" ? ["--password", "s3cret"] : [];
      const common = [
        "--mesh",
        `chat${mode}`,
        "--resolver",
        resolver.address,
        "--linger",
        "300",
        ...sec,
      ];
      const bob = new Chat([...common, "--name", "bob"]);
      await bob.waitFor(() => bob.err.includes("joined mesh"), "bob to join");
      const alice = new Chat([...common, "--name", "alice"]);
      await alice.waitFor(() => alice.err.includes("online"), "alice to find bob");
      await bob.waitFor(() => bob.err.includes("online"), "bob to see alice");
      alice.say("hi bob");
      bob.say("hello alice");
      await bob.waitFor(() => bob.out.includes("alice: hi bob"), "bob to receive");
      await alice.waitFor(() => alice.out.includes("bob: hello alice"), "alice to receive");
      expect(await alice.finish()).toBe(0);
      await bob.waitFor(() => bob.err.includes("left (LeavingMesh)"), "bob to see alice leave");
      expect(await bob.finish()).toBe(0);
      // Each line arrives once, and nobody hears themselves.
      expect(bob.out.trim().split("\n")).toEqual(["alice: hi bob"]);
      expect(alice.out.trim().split("\n")).toEqual(["bob: hello alice"]);
    });
  }

  it("finds or starts the embedded resolver on the default port when none is given", async () => {
    const first = new Chat(["--mesh", "embedded", "--name", "ann", "--linger", "300"]);
    await first.waitFor(() => first.err.includes("joined mesh"), "ann to join");
    expect(first.err).toContain(
      "started an embedded resolver at net.tcp://127.0.0.1:8089/resolver",
    );
    const second = new Chat(["--mesh", "embedded", "--name", "ben", "--linger", "300"]);
    await second.waitFor(() => second.err.includes("online"), "ben to find ann");
    expect(second.err).not.toContain("started an embedded resolver");
    second.say("found you");
    await first.waitFor(() => first.out.includes("ben: found you"), "ann to receive");
    expect(await second.finish()).toBe(0);
    expect(await first.finish()).toBe(0);
  });
});
