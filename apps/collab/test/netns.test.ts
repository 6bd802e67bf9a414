import {
  type ChildProcessWithoutNullStreams,
  execFileSync,
  spawn,
  spawnSync,
} from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPerson, savePerson } from "@prch/collab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// End to end across network namespaces joined by veth pairs to a bridge that
// lives in a namespace of its own (nothing is added to the host's network).
// Addresses are in 10.77.0.0/24, the project's test range; multicast stays on
// the bridge (TTL 1). Needs root and iproute2; skipped otherwise unless
// PRCH_REQUIRE_INTEROP=1.

const appDir = join(__dirname, "..");
const main = join(appDir, "dist", "main.js");
const forger = join(__dirname, "fixtures", "forge.mjs");
const id = randomBytes(3).toString("hex");
const BR = `pcol${id}br`;
const GROUP = "239.255.80.67";
const PNM_PORT = "47830";
const HOSTS = { alice: 1, bob: 2, carol: 3, dave: 4, mallory: 9 } as const;
type Name = keyof typeof HOSTS;
const ns = (n: Name) => `pcol${id}${n.slice(0, 3)}`;
const ip = (n: Name) => `10.77.0.${HOSTS[n]}`;

function newestSource(dir: string): number {
  let newest = 0;
  for (const f of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    newest = Math.max(newest, statSync(join(dir, f)).mtimeMs);
  }
  return newest;
}

function buildIfStale(pkg: string, output: string): void {
  const out = join(pkg, "dist", output);
  if (existsSync(out) && statSync(out).mtimeMs > newestSource(join(pkg, "src"))) return;
  execFileSync("pnpm", ["exec", "tsup"], { cwd: pkg, stdio: "ignore" });
}

function sh(args: string[]): void {
  execFileSync("ip", args, { stdio: "pipe" });
}

/** Probes with a throw-away namespace, so nothing is left behind if no test runs. */
function canUseNamespaces(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = `pcol${id}probe`;
  const r = spawnSync("ip", ["netns", "add", probe], { stdio: "pipe" });
  if (r.status !== 0) return false;
  spawnSync("ip", ["netns", "del", probe], { stdio: "pipe" });
  return true;
}

// An end-to-end suite: not part of unit-only runs.
const unitOnly = process.env.PRCH_UNIT_ONLY === "1";
const available = !unitOnly && canUseNamespaces();
if (!unitOnly && !available && process.env.PRCH_REQUIRE_INTEROP === "1") {
  throw new Error(
    "network namespaces unavailable (need root, iproute2 and CAP_NET_ADMIN) but PRCH_REQUIRE_INTEROP=1",
  );
}

/** One prch-collab process in a namespace, driven through stdin, read through stdout. */
class Person {
  readonly proc: ChildProcessWithoutNullStreams;
  out = "";
  err = "";
  constructor(
    readonly name: Name,
    extra: string[],
  ) {
    this.proc = spawn(
      "ip",
      [
        "netns",
        "exec",
        ns(name),
        process.execPath,
        main,
        "--name",
        name,
        "--host",
        ip(name),
        "--port",
        "7000",
        "--pnm-port",
        PNM_PORT,
        "--group",
        GROUP,
        "--interval",
        "1000",
        "--contacts",
        join(dir, `${name}-contacts.json`),
        ...extra,
      ],
      { stdio: "pipe" },
    );
    this.proc.stdout.setEncoding("utf8").on("data", (d: string) => (this.out += d));
    this.proc.stderr.setEncoding("utf8").on("data", (d: string) => (this.err += d));
  }
  say(line: string): void {
    this.proc.stdin.write(`${line}\n`);
  }
  lines(): string[] {
    return this.out.split("\n").filter((l) => l.length > 0);
  }
  has(re: RegExp): boolean {
    return this.lines().some((l) => re.test(l));
  }
  async waitFor(re: RegExp, ms = 30_000): Promise<string> {
    const end = Date.now() + ms;
    for (;;) {
      const hit = this.lines().find((l) => re.test(l));
      if (hit) return hit;
      if (Date.now() > end || this.proc.exitCode !== null) {
        throw new Error(
          `${this.name}: timed out waiting for ${re}\nstdout:\n${this.out}\nstderr:\n${this.err}`,
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

function runIn(n: Name, args: string[]): string {
  return execFileSync("ip", ["netns", "exec", ns(n), process.execPath, ...args], {
    encoding: "utf8",
    cwd: appDir,
    timeout: 60_000,
  });
}

let dir = "";
const people = new Map<Name, Person>();
const p = (n: Name): Person => {
  const x = people.get(n);
  if (!x) throw new Error(`${n} not started`);
  return x;
};

describe.skipIf(!available)("prch-collab across network namespaces", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "prch-collab-ns-"));
    // The namespaces run the compiled CLI and library: rebuild whichever is older than its sources.
    buildIfStale(join(appDir, "..", "..", "packages", "collab"), "index.js");
    buildIfStale(appDir, "main.js");

    sh(["netns", "add", BR]);
    sh(["-n", BR, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0"]);
    sh(["-n", BR, "link", "set", "br0", "up"]);
    for (const n of Object.keys(HOSTS) as Name[]) {
      const h = ns(n);
      const side = `v${n.slice(0, 3)}`;
      sh(["netns", "add", h]);
      sh(["-n", h, "link", "add", "eth0", "type", "veth", "peer", "name", side, "netns", BR]);
      sh(["-n", BR, "link", "set", side, "master", "br0", "up"]);
      sh(["-n", h, "addr", "add", `${ip(n)}/24`, "dev", "eth0"]);
      sh(["-n", h, "link", "set", "eth0", "up"]);
      sh(["-n", h, "link", "set", "lo", "up"]);
      sh(["-n", h, "route", "add", "224.0.0.0/4", "dev", "eth0"]);
    }
    // Alice and Bob keep their identities in files so the forger can copy Alice's certificate.
    for (const n of ["alice", "bob"] as const)
      await savePerson(await createPerson(n), join(dir, `${n}.json`));
  });

  afterAll(async () => {
    for (const x of people.values()) x.proc.kill("SIGKILL");
    await Promise.all(
      [...people.values()].map(
        (x) =>
          new Promise((r) => (x.proc.exitCode !== null ? r(undefined) : x.proc.once("exit", r))),
      ),
    );
    for (const n of Object.keys(HOSTS) as Name[]) spawnSync("ip", ["netns", "del", ns(n)]);
    spawnSync("ip", ["netns", "del", BR]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("discovery: four people on four hosts see each other nearby", async () => {
    people.set("alice", new Person("alice", ["--identity", join(dir, "alice.json")]));
    people.set("bob", new Person("bob", ["--identity", join(dir, "bob.json"), "--auto", "accept"]));
    people.set("carol", new Person("carol", ["--auto", "decline"]));
    people.set("dave", new Person("dave", ["--auto", "ignore"]));
    for (const a of people.values()) {
      for (const b of people.values()) {
        if (a !== b)
          await a.waitFor(
            new RegExp(`^appeared ${b.name} tls://${ip(b.name).replaceAll(".", "\\.")}:7000$`),
          );
      }
    }
    p("alice").say("nearby");
    expect(await p("alice").waitFor(/^nearby /)).toMatch(/^nearby 3 /);
  });

  it("a request to host, then invitations accepted, declined, unanswered and cancelled; chat in the session", async () => {
    const [alice, bob, carol, dave] = (["alice", "bob", "carol", "dave"] as const).map(p) as [
      Person,
      Person,
      Person,
      Person,
    ];
    bob.say("request alice let's talk");
    await alice.waitFor(/^host-request from bob \(untrusted\) app=prch\.collab\.chat: let's talk$/);
    alice.say("host");
    await alice.waitFor(/^hosting collab-/);
    alice.say("invite bob come in");
    alice.say("invite carol come in");
    alice.say("invite dave come in");
    await alice.waitFor(/^invited dave$/);
    await bob.waitFor(/^invitation from alice \(untrusted\) app=prch\.collab\.chat: come in$/);
    await dave.waitFor(/^invitation from alice/);
    await alice.waitFor(/^response bob accepted$/);
    await alice.waitFor(/^response carol declined$/);
    alice.say("wait 1500");
    await alice.waitFor(/^waited$/);
    alice.say("invitations");
    await alice.waitFor(/^invitation-state dave/);
    expect(alice.lines().filter((l) => l.startsWith("invitation-state"))).toEqual([
      "invitation-state bob accepted",
      "invitation-state carol declined",
      "invitation-state dave pending",
    ]);
    alice.say("cancel");
    expect(await alice.waitFor(/^cancelled/)).toBe("cancelled dave");
    await dave.waitFor(/^invitation-cancelled by alice$/);
    dave.say("accept");
    await dave.waitFor(/^error .*cancel/);

    alice.say("start");
    expect(await alice.waitFor(/^started /)).toMatch(/ with bob$/);
    await bob.waitFor(/^joined collab-/);
    expect(carol.has(/^joined/) || dave.has(/^joined/)).toBe(false);
    await alice.waitFor(/^neighbor-added$/, 60_000);
    for (let i = 0; i < 50 && !bob.has(/^chat alice: hello bob$/); i++) {
      alice.say("say hello bob");
      await new Promise((r) => setTimeout(r, 200));
    }
    await bob.waitFor(/^chat alice: hello bob$/, 1000);
    bob.say("hi alice");
    await alice.waitFor(/^chat bob: hi alice$/);
  });

  it("presence changes reach subscribers", async () => {
    const [alice, carol, dave] = [p("alice"), p("carol"), p("dave")];
    carol.say("subscribe alice");
    dave.say("subscribe alice");
    await carol.waitFor(/^subscribed alice online$/);
    await dave.waitFor(/^subscribed alice online$/);
    alice.say("status busy in a meeting");
    await carol.waitFor(/^presence alice busy in a meeting$/);
    await dave.waitFor(/^presence alice busy in a meeting$/);
    alice.say("status away");
    await carol.waitFor(/^presence alice away$/);
    expect(carol.lines().filter((l) => l.startsWith("presence alice"))).toEqual([
      "presence alice online",
      "presence alice busy in a meeting",
      "presence alice away",
    ]);
  });

  it("a forged announcement and a forged invitation (wrong key) are ignored", async () => {
    const [bob, carol] = [p("bob"), p("carol")];
    const announced = runIn("mallory", [
      forger,
      "announce",
      join(dir, "alice.json"),
      GROUP,
      PNM_PORT,
      ip("mallory"),
    ]);
    expect(announced).toContain("forged announcement sent");
    await bob.waitFor(/^rejected announcement bad-signature from 10\.77\.0\.9$/);
    await carol.waitFor(/^rejected announcement bad-signature from 10\.77\.0\.9$/);
    const invited = runIn("mallory", [
      forger,
      "invite",
      join(dir, "alice.json"),
      join(dir, "bob.json"),
      `tls://${ip("bob")}:7000`,
    ]);
    expect(invited).toContain("forged invitation refused: Unreachable");
    await bob.waitFor(/^rejected message BadSignature/);
    expect(bob.lines().filter((l) => l.startsWith("invitation from"))).toHaveLength(1);
    expect(bob.has(/forged invitation/)).toBe(false);
    // Alice is still known at her real endpoint only.
    bob.say("nearby");
    await bob.waitFor(/^nearby /);
    expect(bob.lines().filter((l) => /^appeared alice/.test(l))).toEqual([
      "appeared alice tls://10.77.0.1:7000",
    ]);
  });

  it("leaving: goodbyes are seen and presence turns offline", async () => {
    const [alice, bob, carol] = [p("alice"), p("bob"), p("carol")];
    alice.say("quit");
    await alice.waitFor(/^bye$/);
    await carol.waitFor(/^presence alice offline$/);
    await bob.waitFor(/^disappeared alice left$/);
  });
});
