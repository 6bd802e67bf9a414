import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ResolverService } from "@prch/resolver-prcr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseChatArgs } from "../src/args.js";

// Real processes on 127.0.0.1, driven through piped stdin/stdout as a script would.
const dir = join(__dirname, "..");
const main = join(dir, "dist", "main.js");

beforeAll(() => {
  if (!existsSync(main)) execFileSync("pnpm", ["exec", "tsup"], { cwd: dir, stdio: "ignore" });
});

class Chat {
  readonly proc: ChildProcessWithoutNullStreams;
  out = "";
  err = "";
  constructor(args: string[]) {
    this.proc = spawn(process.execPath, [main, ...args], { stdio: "pipe" });
    this.proc.stdout.setEncoding("utf8").on("data", (d: string) => (this.out += d));
    this.proc.stderr.setEncoding("utf8").on("data", (d: string) => (this.err += d));
  }
  say(line: string): void {
    this.proc.stdin.write(`${line}\n`);
  }
  async waitFor(what: () => boolean, label: string, ms = 30_000): Promise<void> {
    const end = Date.now() + ms;
    while (!what()) {
      if (Date.now() > end || this.proc.exitCode !== null) {
        throw new Error(`timed out waiting for ${label}\nstdout: ${this.out}\nstderr: ${this.err}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  finish(): Promise<number | null> {
    this.proc.stdin.end();
    return new Promise((resolve) => {
      if (this.proc.exitCode !== null) resolve(this.proc.exitCode);
      else this.proc.once("exit", (code) => resolve(code));
    });
  }
}

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
