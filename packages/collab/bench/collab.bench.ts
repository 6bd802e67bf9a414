// Costs of the collaboration layer's hot paths: what one announcement, one
// message and one invitation cost the receiver, and a request/reply over
// 127.0.0.1. Run: pnpm bench (in packages/collab).
import { performance } from "node:perf_hooks";
import {
  checkCertificate,
  createAnnouncement,
  createEnvelope,
  createPerson,
  FrameServer,
  formatEndpoint,
  openEnvelope,
  openSealed,
  PeopleNearMe,
  ReplayCache,
  requestFrame,
  sealTo,
  verifyDocument,
} from "../src/index.js";

function rate(label: string, n: number, f: (i: number) => unknown): void {
  const t = performance.now();
  for (let i = 0; i < n; i++) f(i);
  const dt = performance.now() - t;
  console.log(
    `${label.padEnd(48)} ${((n / dt) * 1000).toFixed(0).padStart(8)}/s  ${(dt / n).toFixed(3)} ms`,
  );
}

const a = await createPerson("A");
const b = await createPerson("B");
const ann = JSON.parse(
  createAnnouncement(a, ["tls://10.77.0.1:7000"], Date.now(), 30_000).toString(),
);
const { sig, ...unsigned } = ann;
rate("announcement signature check", 2000, () => verifyDocument(ann.cert, "pnm", unsigned, sig));
rate("certificate check (cached parse)", 20_000, () => checkCertificate(ann.cert, Date.now()));
rate("announcement build + sign", 300, (i) => createAnnouncement(a, [], Date.now() + i, 30_000));
const creds = Buffer.alloc(200, 1);
rate("seal 200 B (RSA-OAEP-256 + AES-256-GCM)", 1000, () =>
  sealTo(b.identity.certificatePem, creds, "aad"),
);
const box = sealTo(b.identity.certificatePem, creds, "aad");
rate("unseal 200 B", 300, () => openSealed(b.identity.privateKeyPem, box, "aad"));
const replay = new ReplayCache(1_000_000);
const envs = Array.from({ length: 500 }, () => createEnvelope(a, [], b.pin, "ack", {}));
rate("message open (signature, certificate, replay)", envs.length, (i) =>
  openEnvelope(envs[i], { selfPin: b.pin, now: Date.now(), replay }),
);

for (const scheme of ["tcp", "tls"] as const) {
  const identity = { cert: b.identity.certificatePem, key: b.identity.privateKeyPem };
  const server = new FrameServer(async (f) => f, scheme === "tls" ? { tls: identity } : {});
  const port = await server.listen("127.0.0.1", 0);
  const ep = formatEndpoint("127.0.0.1", port, scheme);
  const opts = {
    tls: {
      identity: { cert: a.identity.certificatePem, key: a.identity.privateKeyPem },
      expectedPin: b.pin,
    },
  };
  const n = 200;
  const t = performance.now();
  for (let i = 0; i < n; i++) await requestFrame(ep, { i }, opts);
  const dt = performance.now() - t;
  console.log(
    `${`${scheme} request/reply, new connection each`.padEnd(48)} ${((n / dt) * 1000).toFixed(0).padStart(8)}/s  ${(dt / n).toFixed(3)} ms`,
  );
  await server.close();
}

const port = 40000 + Math.floor(Math.random() * 20000);
const near = (person: typeof a) =>
  new PeopleNearMe({ person, endpoints: [], port, interface: "127.0.0.1", intervalMs: 60_000 });
const pa = near(a);
const pb = near(b);
await pa.start();
const t0 = performance.now();
await pb.start();
for (let i = 0; i < 5000 && (pa.nearby().length === 0 || pb.nearby().length === 0); i++) {
  await new Promise((r) => setTimeout(r, 1));
}
console.log(
  `mutual discovery on 127.0.0.1 (interval 60 s): ${(performance.now() - t0).toFixed(0)} ms after the second person starts`,
);
await pa.close();
await pb.close();
