import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Dashboard, DemoMesh, Observatory, startDashboard } from "../src/index.js";
import { ensureBuilt, until } from "./support.js";

// The page in headless Chromium over a real 5-node demo (node processes, embedded resolver).
const CHROMIUM = process.env.PRCH_CHROMIUM ?? "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.PRCH_REQUIRE_INTEROP === "1") {
  throw new Error(`PRCH_REQUIRE_INTEROP=1 but ${CHROMIUM} is not installed`);
}
const artifacts = join(__dirname, "..", "test-artifacts");

interface PageGraph {
  nodes: { id: string; label: string; kind: string }[];
  edges: { source: string; target: string; state: string }[];
}

/** What the page has drawn: read from its Cytoscape instance, not from the server. */
function graph(page: Page): Promise<PageGraph> {
  return page.evaluate(() => {
    const cy = (globalThis as unknown as { prch: { cy: CyLike } }).prch.cy;
    return {
      nodes: cy.nodes().map((n) => ({
        id: n.id(),
        label: n.data("label") as string,
        kind: n.data("kind") as string,
      })),
      edges: cy.edges().map((e) => ({
        source: e.data("source") as string,
        target: e.data("target") as string,
        state: e.data("state") as string,
      })),
    };
    interface El {
      id(): string;
      data(k: string): unknown;
    }
    interface CyLike {
      nodes(): { map<T>(f: (n: El) => T): T[] };
      edges(): { map<T>(f: (n: El) => T): T[] };
    }
  });
}

/** Every node has a connected link and the connected links join them all into one mesh. */
function connectedMesh(g: PageGraph, ids: readonly string[]): boolean {
  const links = g.edges.filter((e) => e.state === "Connected");
  if (ids.length === 0) return false;
  const reached = new Set([ids[0]]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const l of links) {
      if (reached.has(l.source) !== reached.has(l.target)) {
        reached.add(l.source);
        reached.add(l.target);
        grew = true;
      }
    }
  }
  return ids.every((id) => reached.has(id));
}

async function received(page: Page): Promise<number> {
  return page.$$eval('#nodes td[data-counter="messagesIn"]', (tds) =>
    tds.reduce((sum, td) => sum + Number(td.textContent), 0),
  );
}

describe.skipIf(!haveChromium || process.env.PRCH_UNIT_ONLY === "1")(
  "dashboard in Chromium",
  () => {
    let demo: DemoMesh;
    let dash: Dashboard;
    let context: BrowserContext;
    let page: Page;
    let profile: string;

    beforeAll(async () => {
      ensureBuilt();
      mkdirSync(artifacts, { recursive: true });
      const observatory = new Observatory({ meshName: "browser", mode: "demo" });
      // A short maintenance cycle so that healing after a kill takes seconds (Windows: 5 min).
      demo = await DemoMesh.start(observatory, {
        meshName: "browser",
        nodes: 5,
        config: { maintenanceIntervalMs: 2000, maintenanceRetryMs: 300 },
        openTimeoutMs: 60_000,
      });
      dash = await startDashboard({
        meshName: "browser",
        observatory,
        resolver: { address: demo.resolver.address, service: demo.resolver },
        controls: demo,
      });
      profile = mkdtempSync(join(tmpdir(), "prch-dashboard-chromium-"));
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
        viewport: { width: 1400, height: 820 },
      });
      page = context.pages()[0] ?? (await context.newPage());
      page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
      await page.goto(dash.url);
    }, 180_000);

    afterAll(async () => {
      await context?.close();
      await dash?.close();
      await demo?.close();
      if (profile) rmSync(profile, { recursive: true, force: true });
    });

    it("shows the 5 nodes and their links", async () => {
      const ok = await until(async () => {
        const g = await graph(page);
        const locals = g.nodes.filter((n) => n.kind === "local");
        return (
          locals.length === 5 &&
          connectedMesh(
            g,
            locals.map((n) => n.id),
          )
        );
      }, 60_000);
      const g = await graph(page);
      expect(ok, JSON.stringify(g)).toBe(true);
      expect(g.nodes.map((n) => n.label).sort()).toEqual(["alice", "bob", "carol", "dave", "erin"]);
      expect(g.edges.length).toBeGreaterThanOrEqual(4);
      expect(await page.locator("#nodes tbody tr").count()).toBe(5);
      expect(await page.locator("#conn").textContent()).toBe("live");
      // The resolver panel lists the five registrations, each matched to its node.
      await until(async () => (await page.locator("#registrations li.live").count()) === 5, 30_000);
      expect(await page.locator("#registrations li.live").count()).toBe(5);
      expect(await page.locator("#log li.join").count()).toBe(5);
      await page.waitForTimeout(1500); // let the layout animation settle for the picture
      await page.screenshot({ path: join(artifacts, "dashboard-5-nodes.png") });
    });

    it("counters increase when a burst is sent", async () => {
      const before = await received(page);
      await page.fill("#burst-count", "25");
      await page.click("#burst");
      // Every node but the sender delivers each of the 25 messages once.
      const ok = await until(async () => (await received(page)) >= before + 4 * 25, 60_000);
      expect(ok, `messagesIn total ${await received(page)}, was ${before}`).toBe(true);
      expect(await page.locator("#status").textContent()).toMatch(/sent 25 messages/);
      expect(await page.locator("#log li.control").count()).toBeGreaterThanOrEqual(1);
    });

    it("a killed node disappears and the survivors' links re-form", async () => {
      // Kill the best-connected node: the survivors lose the most links.
      const g0 = await graph(page);
      const degree = (id: string) =>
        g0.edges.filter((e) => e.state === "Connected" && (e.source === id || e.target === id))
          .length;
      const victim = [...g0.nodes].sort((x, y) => degree(y.id) - degree(x.id))[0]!;
      const started = Date.now();
      await page.click(`#nodes tr[data-node="${victim.id}"] button.kill`);
      const gone = await until(async () => {
        const g = await graph(page);
        return !g.nodes.some((n) => n.id === victim.id);
      }, 30_000);
      expect(gone).toBe(true);
      const survivors = g0.nodes.filter((n) => n.id !== victim.id).map((n) => n.id);
      // Re-formed: the survivors are one mesh again, and each is back to the links it had, up
      // to IdealNeighborCount (3): below MinNeighborCount (2) a node runs maintenance at once
      // (MC-PRCH §3.1.2), between Min and Ideal at its next periodic run, 2 s here.
      const restored = (g: PageGraph) =>
        survivors.every((id) => {
          const d = g.edges.filter(
            (e) => e.state === "Connected" && (e.source === id || e.target === id),
          ).length;
          return d >= Math.min(degree(id), 3);
        });
      const healed = await until(async () => {
        const g = await graph(page);
        return connectedMesh(g, survivors) && restored(g);
      }, 60_000);
      const g = await graph(page);
      expect(healed, JSON.stringify(g)).toBe(true);
      expect(g.nodes.filter((n) => n.kind === "local").length).toBe(4);
      expect(g.edges.some((e) => e.source === victim.id || e.target === victim.id)).toBe(false);
      expect(await page.locator("#nodes tbody tr").count()).toBe(4);
      expect(await page.locator("#log li.kill").count()).toBe(1);
      // Reported, not asserted: wall-clock time depends on the machine.
      console.log(`mesh healed ${Date.now() - started} ms after the kill (maintenance 2000 ms)`);
      await page.waitForTimeout(1500);
      await page.screenshot({ path: join(artifacts, "dashboard-after-kill.png") });
    });

    it("adds a node from the page", async () => {
      await page.click("#add");
      const ok = await until(
        async () => (await graph(page)).nodes.filter((n) => n.kind === "local").length === 5,
        60_000,
      );
      expect(ok).toBe(true);
      expect((await graph(page)).nodes.map((n) => n.label)).toContain("frank");
    });
  },
);
