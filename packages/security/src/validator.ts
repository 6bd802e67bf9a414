import { createHash, type X509Certificate } from "node:crypto";
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { SecurityError } from "./errors.js";
import { type CertificateInput, toX509 } from "./keys.js";

/** Everything the application callback gets to decide on. */
export interface CertificateCheckContext {
  /** The peer's certificate. */
  readonly leaf: X509Certificate;
  /** The validated path, leaf first, root last. */
  readonly path: readonly X509Certificate[];
  /** The time the check ran at. */
  readonly now: Date;
}

/**
 * Application callback: return `true` to accept, `false` or a reason string to
 * refuse (WCF's X509CertificateValidator.Validate, MC-PRCH §1.3.6.1.2).
 */
export type CertificateCallback = (ctx: CertificateCheckContext) => boolean | string;

/** Certificate-mode validation policy. */
export interface CertificateValidatorOptions {
  /**
   * Trust anchors (PEM/DER). A peer certificate must chain to one of them
   * unless `roots` is empty and `pins` or `callback` alone decide (peer trust
   * as WCF's PeerOrChainTrust / custom validators allow).
   */
  readonly roots?: readonly CertificateInput[];
  /**
   * Optional pins: base64 SHA-256 of a SubjectPublicKeyInfo (as HPKP /
   * `openssl pkey -pubout -outform der | openssl dgst -sha256 -binary | base64`).
   * When given, some certificate in the path must match one.
   */
  readonly pins?: readonly string[];
  /** Refuse a leaf whose KeyUsage lacks digitalSignature (TLS needs it). Default true. */
  readonly requireDigitalSignature?: boolean;
  /**
   * Refuse a leaf whose ExtendedKeyUsage (if present) lacks these OIDs.
   * Default: none required. Mesh links act as TLS client and server both,
   * so `["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]` is the strict choice.
   */
  readonly requiredExtendedKeyUsages?: readonly string[];
  /** Longest path accepted, leaf and root included. Default 8. */
  readonly maxPathLength?: number;
  /** Final say of the application. Called on every validation, cached or not. */
  readonly callback?: CertificateCallback;
  /**
   * How many validated chains to remember (default 256; 0 turns it off). A
   * remembered chain skips path building, parsing and signature checks while
   * `now` stays inside the validity of every certificate on its path — a
   * signed mesh validates the same few signers for every flood.
   */
  readonly cacheSize?: number;
}

interface CachedPath {
  readonly path: X509Certificate[];
  readonly from: number;
  readonly to: number;
}

/** SHA-256 pin (base64) of a certificate's SubjectPublicKeyInfo. */
export function spkiPin(cert: CertificateInput): string {
  const spki = toX509(cert).publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("base64");
}

function checkValidity(cert: X509Certificate, now: Date): void {
  if (now.getTime() < new Date(cert.validFrom).getTime()) {
    throw new SecurityError(
      "certificate-not-yet-valid",
      `${cert.subject} is not valid before ${cert.validFrom}`,
    );
  }
  if (now.getTime() > new Date(cert.validTo).getTime()) {
    throw new SecurityError("certificate-expired", `${cert.subject} expired ${cert.validTo}`);
  }
}

function peculiar(cert: X509Certificate): x509.X509Certificate {
  // A second parser for the extensions node:crypto does not expose; it may
  // refuse a certificate OpenSSL accepted, which must not escape as a raw error.
  try {
    return new x509.X509Certificate(new Uint8Array(cert.raw));
  } catch (cause) {
    throw new SecurityError("malformed-certificate", `cannot parse ${cert.subject}`, { cause });
  }
}

function issuedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  // checkIssued compares names and key identifiers; verify checks the signature.
  try {
    return child.checkIssued(issuer) && child.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function checkCaUsage(ca: X509Certificate, remainingBelow: number): void {
  const p = peculiar(ca);
  const bc = p.getExtension(x509.BasicConstraintsExtension);
  if (!bc?.ca) throw new SecurityError("bad-key-usage", `${ca.subject} is not a CA`);
  if (bc.pathLength !== undefined && remainingBelow > bc.pathLength) {
    throw new SecurityError("bad-key-usage", `${ca.subject} path length constraint exceeded`);
  }
  const ku = p.getExtension(x509.KeyUsagesExtension);
  if (ku && (ku.usages & x509.KeyUsageFlags.keyCertSign) === 0) {
    throw new SecurityError("bad-key-usage", `${ca.subject} may not sign certificates`);
  }
}

/**
 * Validates peer certificates for certificate-mode meshes, independently of
 * OpenSSL: path to a configured root, validity at an injected time, key
 * usage, optional SPKI pins and an application callback.
 */
export class CertificateValidator {
  private readonly roots: X509Certificate[];
  private readonly opts: CertificateValidatorOptions;
  private readonly cache = new Map<string, CachedPath>();

  constructor(opts: CertificateValidatorOptions) {
    this.roots = (opts.roots ?? []).map(toX509);
    this.opts = opts;
    if (this.roots.length === 0 && !opts.pins?.length && !opts.callback) {
      throw new SecurityError(
        "invalid-argument",
        "a certificate validator needs roots, pins or a callback — otherwise it trusts anyone",
      );
    }
  }

  /** The trust anchors as PEM, for the `ca` option of node:tls. */
  get rootsPem(): string[] {
    return this.roots.map((r) => r.toString());
  }

  /**
   * Validates `chain` (leaf first, then whatever intermediates the peer sent,
   * in any order) at time `now`. Returns the path, leaf to root; throws a
   * {@link SecurityError} saying why not.
   */
  validate(chain: readonly CertificateInput[], now: Date): X509Certificate[] {
    if (chain.length === 0)
      throw new SecurityError("no-peer-certificate", "peer sent no certificate");
    if (chain.length > 32)
      throw new SecurityError("quota-exceeded", "peer sent more than 32 certificates");
    const certs = chain.map(toX509);
    const key = certs.map((c) => c.fingerprint256).join("/");
    const t = now.getTime();
    const hit = this.cache.get(key);
    const path = hit && t >= hit.from && t <= hit.to ? hit.path : this.buildPath(certs, now, key);
    this.runCallback(path, now);
    return path;
  }

  /** Everything but the application callback; remembers the result. */
  private buildPath(certs: X509Certificate[], now: Date, key: string): X509Certificate[] {
    const maxLen = this.opts.maxPathLength ?? 8;
    const leaf = certs[0]!;
    const pool = certs.slice(1);
    const path: X509Certificate[] = [leaf];
    checkValidity(leaf, now);
    this.checkLeafUsage(leaf);

    if (this.roots.length > 0) {
      let current = leaf;
      for (;;) {
        if (path.length > maxLen) {
          throw new SecurityError(
            "untrusted-certificate",
            `no trusted path within ${maxLen} certificates`,
          );
        }
        // A root may itself be the peer's certificate (a pinned self-signed node).
        const anchor = this.roots.find(
          (r) => r.fingerprint256 === current.fingerprint256 || issuedBy(current, r),
        );
        if (anchor) {
          if (anchor.fingerprint256 !== current.fingerprint256) {
            checkValidity(anchor, now);
            checkCaUsage(anchor, path.length - 1);
            path.push(anchor);
          }
          break;
        }
        const next = pool.find((c) => !path.includes(c) && issuedBy(current, c));
        if (!next) {
          throw new SecurityError(
            "untrusted-certificate",
            `${current.subject}: issuer is not trusted`,
          );
        }
        checkValidity(next, now);
        checkCaUsage(next, path.length - 1);
        path.push(next);
        current = next;
      }
    }

    if (this.opts.pins?.length) {
      const pins = new Set(this.opts.pins);
      if (!path.some((c) => pins.has(spkiPin(c)))) {
        throw new SecurityError("pin-mismatch", "no certificate in the path matches a pin");
      }
    }
    const limit = this.opts.cacheSize ?? 256;
    if (limit > 0) {
      if (this.cache.size >= limit) {
        const oldest = this.cache.keys().next();
        if (!oldest.done) this.cache.delete(oldest.value);
      }
      this.cache.set(key, {
        path,
        from: Math.max(...path.map((c) => new Date(c.validFrom).getTime())),
        to: Math.min(...path.map((c) => new Date(c.validTo).getTime())),
      });
    }
    return path;
  }

  private runCallback(path: X509Certificate[], now: Date): void {
    const leaf = path[0]!;
    if (this.opts.callback) {
      let verdict: boolean | string;
      try {
        verdict = this.opts.callback({ leaf, path, now });
      } catch (cause) {
        throw new SecurityError("rejected-by-application", "certificate callback threw", { cause });
      }
      if (verdict !== true) {
        throw new SecurityError(
          "rejected-by-application",
          typeof verdict === "string" ? verdict : "application refused the certificate",
        );
      }
    }
  }

  private checkLeafUsage(leaf: X509Certificate): void {
    const p = peculiar(leaf);
    if (this.opts.requireDigitalSignature ?? true) {
      const ku = p.getExtension(x509.KeyUsagesExtension);
      if (ku && (ku.usages & x509.KeyUsageFlags.digitalSignature) === 0) {
        throw new SecurityError("bad-key-usage", "peer certificate may not sign (KeyUsage)");
      }
    }
    const required = this.opts.requiredExtendedKeyUsages ?? [];
    if (required.length > 0) {
      const eku = p.getExtension(x509.ExtendedKeyUsageExtension);
      if (eku) {
        const have = new Set(eku.usages.map(String));
        for (const oid of required) {
          if (!have.has(oid)) {
            throw new SecurityError(
              "bad-key-usage",
              `peer certificate lacks extended key usage ${oid}`,
            );
          }
        }
      }
    }
  }
}
