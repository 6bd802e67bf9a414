import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { get, type IncomingMessage, request } from "node:http";
import { join } from "node:path";

const dir = join(__dirname, "..");

/** The demo's node processes run the build (dist/node-worker.js); make it if it is missing. */
export function ensureBuilt(): void {
  if (!existsSync(join(dir, "dist", "node-worker.js"))) {
    execFileSync("pnpm", ["exec", "tsup"], { cwd: dir, stdio: "ignore" });
  }
}

/** Polls `cond` every 50 ms, at most `limitMs`; returns whether it came true. */
export async function until(
  cond: () => boolean | Promise<boolean>,
  limitMs: number,
): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface HttpResult {
  readonly status: number;
  readonly body: string;
  readonly json: () => Record<string, unknown>;
}

/** One HTTP request to 127.0.0.1 with full control of the headers. */
export function http(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? "GET", headers: options.headers },
      (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (d: string) => (body += d));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body, json: () => JSON.parse(body) }),
        );
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** POSTs JSON the way the page does. */
export function post(url: string, body: unknown = {}): Promise<HttpResult> {
  return http(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** A Server-Sent Events client that keeps every event it receives. */
export class SseClient {
  readonly events: { event: string; data: string }[] = [];
  status = 0;
  #res: IncomingMessage | undefined;
  #buffer = "";
  readonly opened: Promise<number>;

  constructor(url: string) {
    this.opened = new Promise((resolve, reject) => {
      const req = get(url, (res) => {
        this.#res = res;
        this.status = res.statusCode ?? 0;
        res.setEncoding("utf8").on("data", (d: string) => this.#feed(d));
        resolve(this.status);
      });
      req.on("error", reject);
    });
  }

  of(event: string): unknown[] {
    return this.events.filter((e) => e.event === event).map((e) => JSON.parse(e.data));
  }

  close(): void {
    this.#res?.destroy();
  }

  #feed(d: string): void {
    this.#buffer += d;
    for (let i = this.#buffer.indexOf("\n\n"); i >= 0; i = this.#buffer.indexOf("\n\n")) {
      const block = this.#buffer.slice(0, i);
      this.#buffer = this.#buffer.slice(i + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
      }
      if (data.length > 0) this.events.push({ event, data: data.join("\n") });
    }
  }
}
