import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContactManager } from "@prch/collab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCollabArgs } from "../src/args.js";
import { CollabCli, startCollab } from "../src/cli.js";

let dir: string;
const clis: CollabCli[] = [];
const outs = new Map<string, string[]>();

async function cli(name: string): Promise<CollabCli> {
  const args = parseCollabArgs(["--name", name, "--identity", join(dir, `${name}.id.json`)]);
  const contacts = await ContactManager.open({ path: join(dir, `${name}.contacts.json`) });
  // People Near Me off: these tests only exercise contacts and direct messages.
  const collab = await startCollab({ ...args }, contacts, false);
  const lines: string[] = [];
  outs.set(name, lines);
  const c = new CollabCli(collab, args, contacts, (l) => lines.push(l));
  clis.push(c);
  return c;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "prch-collab-cli-"));
});
afterAll(async () => {
  await Promise.all(clis.map((c) => c.close()));
  await rm(dir, { recursive: true, force: true });
});

describe("prch-collab commands", () => {
  it("card / import / contacts, then reach a contact by name", async () => {
    const alice = await cli("alice");
    const bob = await cli("bob");
    await alice.command("card");
    const card = outs.get("alice")?.find((l) => l.startsWith("card "));
    if (!card) throw new Error("no card printed");
    await writeFile(join(dir, "alice.card"), card.slice(5));
    await bob.command(`import ${join(dir, "alice.card")}`);
    await bob.command("contacts");
    expect(outs.get("bob")).toContain(`imported alice`);
    expect(outs.get("bob")?.some((l) => l.startsWith("contact alice "))).toBe(true);

    await bob.command("subscribe alice");
    expect(outs.get("bob")).toContain("subscribed alice online");
    await alice.command("status busy writing");
    expect(outs.get("bob")).toContain("presence alice busy writing");
    await bob.command("subscribe nobody");
    expect(outs.get("bob")?.at(-1)).toMatch(/^error nobody called nobody/);
  });

  it("keeps the identity file between runs", async () => {
    const again = await ContactManager.open({ path: join(dir, "bob.contacts.json") });
    const alice2 = await cli("alice");
    expect(again.list()[0]?.pin).toBe(alice2.collab.person.pin);
  });
});
