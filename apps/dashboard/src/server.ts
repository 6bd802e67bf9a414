import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { DashboardError } from "./errors.js";
import type { EventEntry } from "./model.js";
import type { Observatory } from "./observatory.js";

/** What the page's buttons do; each is optional (the page shows only what exists). */
export interface MeshControls {
  /** Starts one more node; resolves with its label. */
  addNode?(): Promise<string>;
  /** Kills the node with this NodeId (hex) abruptly; resolves with its label. */
  killNode?(id: string): Promise<string>;
  /** Sends `count` messages into the mesh; resolves with the sender's label. */
  burst?(count: number): Promise<string>;
}

/** Options of {@link DashboardServer}. */
export interface DashboardServerOptions {
  readonly observatory: Observatory;
  readonly controls?: MeshControls;
  /** Port on 127.0.0.1; 0 (default) lets the OS choose. */
  readonly port?: number;
  /** Concurrent Server-Sent Events clients; more get 503. Default 16. */
  readonly maxClients?: number;
  /** How often state changes are pushed, ms. Default 250. */
  readonly pushIntervalMs?: number;
  /** Event log entries sent to a client when it connects. Default 200. */
  readonly replayEvents?: number;
  /** Largest burst one request may ask for. Default 1000. */
  readonly maxBurst?: number;
}

/** Bytes a slow SSE client may have queued before it is dropped. */
const MAX_CLIENT_BACKLOG = 1 << 20;
/** Request bodies of the control endpoints are tiny JSON objects. */
const MAX_BODY = 1024;
/** A comment line now and then keeps proxies and idle timers from closing the stream. */
const HEARTBEAT_MS = 15_000;

interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

function loadAssets(): Map<string, Asset> {
  // src/ and dist/ are siblings of public/, so this works from sources and from the build.
  const pub = new URL("../public/", import.meta.url);
  const read = (name: string) => readFileSync(new URL(name, pub));
  const require = createRequire(import.meta.url);
  // Cytoscape is served from node_modules: the machine (and the viewer) may have no internet.
  const cytoscape = readFileSync(require.resolve("cytoscape/dist/cytoscape.min.js"));
  return new Map<string, Asset>([
    ["/", { type: "text/html; charset=utf-8", body: read("index.html") }],
    ["/app.js", { type: "text/javascript; charset=utf-8", body: read("app.js") }],
    ["/style.css", { type: "text/css; charset=utf-8", body: read("style.css") }],
    ["/vendor/cytoscape.min.js", { type: "text/javascript; charset=utf-8", body: cytoscape }],
  ]);
}

/**
 * The dashboard's web server (node:http, 127.0.0.1 only): the page and its
 * assets, `GET /events` (Server-Sent Events: `state` whenever the picture
 * changes, `log` for each event), `GET /api/state`, and the control
 * endpoints `POST /api/nodes`, `POST /api/nodes/{id}/kill`, `POST /api/burst`.
 *
 * Because it binds loopback only, the threats are other local processes and
 * web pages in the viewer's browser: requests must name this server in
 * `Host` (no DNS rebinding), and control requests must be same-origin JSON.
 */
export class DashboardServer {
  readonly #options: DashboardServerOptions;
  readonly #observatory: Observatory;
  readonly #server: Server;
  readonly #clients = new Set<ServerResponse>();
  readonly #assets = loadAssets();
  #lastState = "";
  #timer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(options: DashboardServerOptions) {
    this.#options = options;
    this.#observatory = options.observatory;
    const c = options.controls;
    this.#observatory.controls = {
      addNode: c?.addNode !== undefined,
      killNode: c?.killNode !== undefined,
      burst: c?.burst !== undefined,
    };
    this.#server = createServer((req, res) => {
      this.#route(req, res).catch((e: unknown) => {
        const status = e instanceof DashboardError ? e.status : 500;
        const message = e instanceof Error ? e.message : String(e);
        if (!res.headersSent) {
          res.writeHead(status, { "content-type": "application/json" });
        }
        res.end(JSON.stringify({ error: message }));
      });
    });
    // Headers must arrive promptly; SSE responses stay open, so no overall request timeout.
    this.#server.headersTimeout = 10_000;
    this.#server.requestTimeout = 0;
    this.#server.maxHeadersCount = 64;
  }

  /** Listens on 127.0.0.1; resolves with the page's URL, e.g. `http://127.0.0.1:43117/`. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(this.#options.port ?? 0, "127.0.0.1", () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
    this.#unsubscribe = this.#observatory.subscribe((u) => {
      if (u.type === "event") this.#broadcast("log", JSON.stringify(u.entry));
    });
    this.#timer = setInterval(() => this.#pushState(), this.#options.pushIntervalMs ?? 250);
    this.#heartbeat = setInterval(() => {
      for (const c of this.#clients) c.write(": keep-alive\n\n");
    }, HEARTBEAT_MS);
    return this.url;
  }

  /** The bound port. */
  get port(): number {
    return (this.#server.address() as AddressInfo | null)?.port ?? 0;
  }

  /** The page's URL. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  /** Connected SSE clients. */
  get clients(): number {
    return this.#clients.size;
  }

  /** Ends every stream and stops listening. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    clearInterval(this.#heartbeat);
    this.#unsubscribe?.();
    for (const c of this.#clients) c.end();
    this.#clients.clear();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.#checkHost(req);
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname;
    if (req.method === "GET" || req.method === "HEAD") {
      const asset = this.#assets.get(path === "/index.html" ? "/" : path);
      if (asset !== undefined) {
        res.writeHead(200, {
          "content-type": asset.type,
          "content-length": asset.body.length,
          "cache-control": "no-cache",
          "x-content-type-options": "nosniff",
          // Cytoscape sets inline styles on its canvas container.
          "content-security-policy":
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
        });
        res.end(req.method === "HEAD" ? undefined : asset.body);
        return;
      }
      if (path === "/events") return this.#openStream(req, res);
      if (path === "/api/state") {
        return json(res, 200, {
          state: this.#observatory.state(),
          events: this.#observatory.events(this.#options.replayEvents ?? 200),
        });
      }
      throw new DashboardError("NotFound", `no such page: ${path}`);
    }
    if (req.method === "POST") {
      this.#checkOrigin(req);
      const body = await readJson(req);
      const controls = this.#options.controls;
      if (path === "/api/nodes" && controls?.addNode !== undefined) {
        const label = await controls.addNode();
        this.#observatory.note("control", `added ${label}`);
        return json(res, 201, { label });
      }
      const kill = /^\/api\/nodes\/([0-9a-f]{16})\/kill$/.exec(path);
      if (kill !== null && controls?.killNode !== undefined) {
        const label = await controls.killNode(kill[1] as string);
        return json(res, 200, { label });
      }
      if (path === "/api/burst" && controls?.burst !== undefined) {
        const max = this.#options.maxBurst ?? 1000;
        const raw = body.count ?? 20;
        if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 1 || raw > max) {
          throw new DashboardError("BadRequest", `count is a whole number from 1 to ${max}`);
        }
        const from = await controls.burst(raw);
        this.#observatory.note("control", `${from} sent a burst of ${raw} messages`);
        return json(res, 200, { from, count: raw });
      }
      throw new DashboardError("NotFound", `no such control: ${path}`);
    }
    res.setHeader("allow", "GET, HEAD, POST");
    throw new DashboardError("MethodNotAllowed", `method ${req.method} not allowed`);
  }

  #openStream(req: IncomingMessage, res: ServerResponse): void {
    const max = this.#options.maxClients ?? 16;
    if (this.#clients.size >= max) {
      throw new DashboardError("Busy", `at most ${max} dashboard clients at once`);
    }
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    this.#clients.add(res);
    req.socket.setNoDelay(true);
    req.socket.setTimeout(0);
    const drop = () => this.#clients.delete(res);
    res.on("close", drop);
    res.on("error", drop);
    // A new client gets the whole picture and the recent log at once; the rest streams.
    res.write("retry: 2000\n\n");
    send(res, "state", JSON.stringify(this.#observatory.state()));
    for (const e of this.#observatory.events(this.#options.replayEvents ?? 200)) {
      send(res, "log", JSON.stringify(e satisfies EventEntry));
    }
  }

  #pushState(): void {
    if (this.#clients.size === 0) return;
    const s = JSON.stringify(this.#observatory.state());
    if (s === this.#lastState) return;
    this.#lastState = s;
    this.#broadcast("state", s);
  }

  #broadcast(event: string, data: string): void {
    for (const c of this.#clients) {
      if (c.writableLength > MAX_CLIENT_BACKLOG) {
        // A client that does not read is dropped rather than buffered without bound.
        this.#clients.delete(c);
        c.destroy();
        continue;
      }
      send(c, event, data);
    }
  }

  #checkHost(req: IncomingMessage): void {
    const host = req.headers.host;
    const port = this.port;
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      throw new DashboardError("Forbidden", "unexpected Host header");
    }
  }

  #checkOrigin(req: IncomingMessage): void {
    const origin = req.headers.origin;
    const port = this.port;
    if (
      origin !== undefined &&
      origin !== `http://127.0.0.1:${port}` &&
      origin !== `http://localhost:${port}`
    ) {
      throw new DashboardError("Forbidden", "cross-origin control request");
    }
    // A JSON content type cannot be sent cross-origin without a preflight we never grant.
    if (!(req.headers["content-type"] ?? "").startsWith("application/json")) {
      throw new DashboardError("UnsupportedMediaType", "control requests are application/json");
    }
  }
}

function send(res: ServerResponse, event: string, data: string): void {
  // JSON.stringify never emits a raw newline, so one data line carries the whole object.
  res.write(`event: ${event}\ndata: ${data}\n\n`);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY)
      throw new DashboardError("TooLarge", `request body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new DashboardError("BadRequest", "body is not JSON");
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new DashboardError("BadRequest", "body is a JSON object");
  }
  return v as Record<string, unknown>;
}
