import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CertificateValidator, createMeshCa, issueNodeCertificate, spkiPin } from "@prch/security";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CollabError,
  ContactManager,
  createContactCard,
  createPerson,
  loadPerson,
  type Person,
  personFromIdentity,
  readContactCard,
  savePerson,
} from "../src/index.js";

let alice: Person;
let bob: Person;
let dir: string;

beforeAll(async () => {
  [alice, bob] = await Promise.all([createPerson("Alice"), createPerson("Bob ✓")]);
  dir = await mkdtemp(join(tmpdir(), "prch-collab-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof CollabError ? e.code : `not a CollabError: ${String(e)}`;
  }
  return undefined;
};

describe("contact cards", () => {
  it("round-trips name, certificate, endpoints and pin", () => {
    const card = createContactCard(alice, ["tcp://127.0.0.1:4000", "tcp://[::1]:4000"]);
    const c = readContactCard(card);
    expect(c.displayName).toBe("Alice");
    expect(c.certificatePem).toBe(alice.identity.certificatePem);
    expect(c.endpoints).toEqual(["tcp://127.0.0.1:4000", "tcp://[::1]:4000"]);
    expect(c.pin).toBe(spkiPin(alice.identity.certificatePem));
    expect(c.pin).toBe(alice.pin);
  });

  it("refuses a card whose name or endpoints were changed", () => {
    const card = JSON.parse(createContactCard(alice, ["tcp://127.0.0.1:4000"]));
    expect(code(() => readContactCard(JSON.stringify({ ...card, displayName: "Mallory" })))).toBe(
      "BadSignature",
    );
    expect(
      code(() => readContactCard(JSON.stringify({ ...card, endpoints: ["tcp://127.0.0.1:6666"] }))),
    ).toBe("BadSignature");
  });

  it("refuses a card signed by one key and carrying another's certificate", () => {
    const card = JSON.parse(createContactCard(bob, ["tcp://127.0.0.1:4000"]));
    const forged = { ...card, certificate: alice.identity.certificatePem, displayName: "Bob ✓" };
    expect(code(() => readContactCard(JSON.stringify(forged)))).toBe("BadSignature");
  });

  it("refuses garbage, oversize cards and bad endpoints without raw errors", () => {
    expect(code(() => readContactCard("{"))).toBe("Malformed");
    expect(code(() => readContactCard("null"))).toBe("Malformed");
    expect(code(() => readContactCard(`"${"x".repeat(70_000)}"`))).toBe("QuotaExceeded");
    const card = JSON.parse(createContactCard(alice, []));
    expect(code(() => readContactCard(JSON.stringify({ ...card, endpoints: ["http://x"] })))).toBe(
      "InvalidArgument",
    );
    expect(code(() => readContactCard(JSON.stringify({ ...card, certificate: "nope" })))).toBe(
      "Malformed",
    );
  });

  it("refuses a card whose certificate has expired", () => {
    const card = createContactCard(alice, []);
    const inTwoYears = Date.now() + 2 * 365 * 86_400_000;
    expect(code(() => readContactCard(card, inTwoYears))).toBe("Expired");
  });
});

describe("ContactManager", () => {
  it("adds, lists, persists, reloads and removes contacts", async () => {
    const path = join(dir, "a", "contacts.json");
    const cm = await ContactManager.open({ path });
    expect(cm.list()).toEqual([]);
    const c = await cm.importCard(createContactCard(bob, ["tcp://127.0.0.1:4001"]));
    expect(cm.list().map((x) => x.displayName)).toEqual(["Bob ✓"]);
    const onDisk = JSON.parse(await readFile(path, "utf8"));
    expect(onDisk.contacts[0].pin).toBe(bob.pin);

    const again = await ContactManager.open({ path });
    expect(again.get(c.pin)?.endpoints).toEqual(["tcp://127.0.0.1:4001"]);
    expect(await again.remove(c.pin)).toBe(true);
    expect(await again.remove(c.pin)).toBe(false);
    expect((await ContactManager.open({ path })).list()).toEqual([]);
  });

  it("exports a card that another manager imports", async () => {
    const cm = await ContactManager.open({ path: join(dir, "b.json") });
    const card = cm.exportCard(alice, ["tcp://127.0.0.1:4002"]);
    const other = await ContactManager.open({ path: join(dir, "c.json") });
    const imported = await other.importCard(card);
    expect(imported.pin).toBe(alice.pin);
  });

  it("decides trust by pinned key or by certificate chain", async () => {
    const ca = await createMeshCa();
    const issued = await issueNodeCertificate(ca, { subject: "CN=carol" });
    const carol = personFromIdentity("Carol", issued);
    const cm = await ContactManager.open({
      path: join(dir, "d.json"),
      validator: new CertificateValidator({ roots: [ca.certificatePem] }),
    });
    await cm.importCard(createContactCard(bob, []));
    expect(cm.trust(bob.identity.certificatePem)).toBe("pinned");
    expect(cm.trust(carol.identity.certificatePem, carol.identity.chainPem)).toBe("chain");
    expect(cm.trust(alice.identity.certificatePem)).toBe("untrusted");
    expect(cm.trust("garbage")).toBe("untrusted");
    const noCa = await ContactManager.open({ path: join(dir, "e.json") });
    expect(noCa.trust(carol.identity.certificatePem, carol.identity.chainPem)).toBe("untrusted");
  });

  it("reports a corrupt contacts file as a Storage error", async () => {
    const path = join(dir, "bad.json");
    await (await import("node:fs/promises")).writeFile(path, "{not json");
    await expect(ContactManager.open({ path })).rejects.toMatchObject({ code: "Storage" });
  });
});

describe("saved persons", () => {
  it("save and load keep the name, certificate and key", async () => {
    const path = join(dir, "me.json");
    await savePerson(alice, path);
    const me = await loadPerson(path);
    expect(me.displayName).toBe("Alice");
    expect(me.pin).toBe(alice.pin);
    expect(me.identity.privateKeyPem).toBe(alice.identity.privateKeyPem);
  });
});
