#!/usr/bin/env node
// prch-cert: create node certificates and mesh CAs, issue node certificates,
// print PeerHashTokens and SPKI pins. Writes PEM files.
import { existsSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { isSecurityError } from "./errors.js";
import {
  createMeshCa,
  createSelfSignedIdentity,
  issueNodeCertificate,
  loadPemIdentity,
  type NodeIdentity,
} from "./identity.js";
import { capiBlobFromCertificate } from "./keys.js";
import { computePeerHashToken } from "./token.js";
import { spkiPin } from "./validator.js";

const USAGE = `usage: prch-cert <command> [options]

commands:
  node   --out PREFIX [--subject DN] [--days N]
         self-signed RSA-2048 node certificate (default subject CN={GUID}, as
         Windows makes for password meshes)
  ca     --out PREFIX [--subject DN] [--days N] [--path-length N]
         [--issuer-cert FILE --issuer-key FILE]
         mesh CA: a root, or an intermediate signed by the given CA
  issue  --ca-cert FILE --ca-key FILE --out PREFIX [--subject DN] [--days N]
         [--public-key FILE]
         node certificate issued by a mesh CA (new key pair unless --public-key)
  token  --cert FILE (--password-env VAR | --password TEXT)
         print the PeerHashToken authenticator for a certificate and password
  pin    --cert FILE
         print the SHA-256 SPKI pin of a certificate

PREFIX.crt.pem gets the certificate followed by its chain, PREFIX.key.pem the
unencrypted PKCS#8 key (mode 0600). Existing files are kept unless --force.
`;

/** Output sink so tests can capture what the CLI prints. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

const stdio: CliIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
};

class UsageError extends Error {}

function need(v: string | undefined, name: string): string {
  if (v === undefined || v === "") throw new UsageError(`missing --${name}`);
  return v;
}

function days(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 36_500) throw new UsageError("--days must be 1..36500");
  return n;
}

function save(prefix: string, id: NodeIdentity, force: boolean, io: CliIo): void {
  const crt = `${prefix}.crt.pem`;
  const key = `${prefix}.key.pem`;
  for (const f of id.privateKeyPem ? [crt, key] : [crt]) {
    if (!force && existsSync(f)) throw new UsageError(`${f} exists (use --force to overwrite)`);
  }
  writeFileSync(crt, [id.certificatePem, ...id.chainPem].join(""));
  io.out(`wrote ${crt}`);
  if (id.privateKeyPem) {
    writeFileSync(key, id.privateKeyPem, { mode: 0o600 });
    io.out(`wrote ${key}`);
  }
}

/** Runs the CLI with `args` (without node and script); returns the exit code. */
export async function runCli(args: readonly string[], io: CliIo = stdio): Promise<number> {
  const [command, ...rest] = args;
  try {
    if (command === undefined || command === "help" || command === "--help" || command === "-h") {
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    }
    const { values } = parseArgs({
      args: [...rest],
      options: {
        out: { type: "string" },
        subject: { type: "string" },
        days: { type: "string" },
        "path-length": { type: "string" },
        "issuer-cert": { type: "string" },
        "issuer-key": { type: "string" },
        "ca-cert": { type: "string" },
        "ca-key": { type: "string" },
        "public-key": { type: "string" },
        cert: { type: "string" },
        password: { type: "string" },
        "password-env": { type: "string" },
        force: { type: "boolean", default: false },
      },
      strict: true,
    });
    const force = values.force === true;
    const common = {
      ...(values.subject !== undefined ? { subject: values.subject } : {}),
      ...(days(values.days) !== undefined ? { validityDays: days(values.days) } : {}),
    };
    switch (command) {
      case "node": {
        const out = need(values.out, "out");
        save(out, await createSelfSignedIdentity(common), force, io);
        return 0;
      }
      case "ca": {
        const out = need(values.out, "out");
        let issuer: NodeIdentity | undefined;
        if (values["issuer-cert"] !== undefined || values["issuer-key"] !== undefined) {
          issuer = loadPemIdentity(
            readFileSync(need(values["issuer-cert"], "issuer-cert"), "utf8"),
            readFileSync(need(values["issuer-key"], "issuer-key"), "utf8"),
          );
        }
        let pathLength: number | undefined;
        if (values["path-length"] !== undefined) {
          pathLength = Number(values["path-length"]);
          if (!Number.isInteger(pathLength) || pathLength < 0 || pathLength > 16) {
            throw new UsageError("--path-length must be 0..16");
          }
        }
        const ca = await createMeshCa({
          ...common,
          ...(issuer ? { issuer } : {}),
          ...(pathLength !== undefined ? { pathLength } : {}),
        });
        save(out, ca, force, io);
        return 0;
      }
      case "issue": {
        const out = need(values.out, "out");
        const ca = loadPemIdentity(
          readFileSync(need(values["ca-cert"], "ca-cert"), "utf8"),
          readFileSync(need(values["ca-key"], "ca-key"), "utf8"),
        );
        const pub = values["public-key"];
        const id = await issueNodeCertificate(ca, {
          ...common,
          ...(pub !== undefined ? { publicKeyPem: readFileSync(pub, "utf8") } : {}),
        });
        save(out, id, force, io);
        return 0;
      }
      case "token": {
        const cert = readFileSync(need(values.cert, "cert"), "utf8");
        let password = values.password;
        if (values["password-env"] !== undefined) password = process.env[values["password-env"]];
        if (password === undefined)
          throw new UsageError("give --password-env VAR or --password TEXT");
        io.out(computePeerHashToken(password, capiBlobFromCertificate(cert)));
        return 0;
      }
      case "pin": {
        io.out(spkiPin(readFileSync(need(values.cert, "cert"), "utf8")));
        return 0;
      }
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e instanceof TypeError && "code" in e)) {
      io.err(`prch-cert: ${e.message}`);
      io.err(USAGE);
      return 2;
    }
    if (isSecurityError(e)) {
      io.err(`prch-cert: ${e.code}: ${e.message}`);
      return 1;
    }
    const err = e as NodeJS.ErrnoException;
    if (typeof err?.code === "string") {
      io.err(`prch-cert: ${err.message}`);
      return 1;
    }
    throw e;
  }
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`prch-cert: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
