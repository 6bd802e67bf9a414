import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { type CertificateValidator, SecurityError } from "@prch/security";
import { checkEndpoints } from "./endpoint.js";
import { CollabError } from "./errors.js";
import {
  checkCertificate,
  checkDisplayName,
  MAX_CERTIFICATE_PEM,
  type PeerRef,
  type Person,
  signDocument,
  verifyDocument,
} from "./identity.js";

/** A person we know: name, certificate, where to reach them. */
export interface Contact extends PeerRef {
  /** Issuer certificates of `certificatePem`, nearest first (empty when self-signed). */
  readonly chainPem: readonly string[];
  /** When the contact was added or last updated, ms since the epoch. */
  readonly addedAt: number;
}

/** How a certificate came to be trusted, or that it was not. */
export type TrustDecision = "pinned" | "chain" | "untrusted";

/** Largest contact card accepted, bytes. */
export const MAX_CARD_BYTES = 65536;
/** Largest contacts file read, bytes. */
export const MAX_CONTACTS_FILE = 8 * 1024 * 1024;

/**
 * Where contacts live by default: `$XDG_CONFIG_HOME/prch/contacts.json`
 * (`~/.config/…`), or `%APPDATA%\prch\contacts.json` on Windows.
 */
export function defaultContactsPath(): string {
  const base =
    process.platform === "win32"
      ? (process.env.APPDATA ?? join(homedir(), "AppData", "Roaming"))
      : (process.env.XDG_CONFIG_HOME ?? join(homedir(), ".config"));
  return join(base, "prch", "contacts.json");
}

/**
 * Exports `person` as a signed contact card: a JSON document carrying the
 * display name, certificate (and chain) and endpoints, signed with the
 * person's own key. Anyone importing it learns that whoever holds that key
 * vouches for the name and endpoints.
 */
export function createContactCard(
  person: Person,
  endpoints: readonly string[],
  now = Date.now(),
): string {
  const unsigned = {
    kind: "prch-contact-card",
    v: 1,
    displayName: person.displayName,
    certificate: person.identity.certificatePem,
    chain: [...person.identity.chainPem],
    endpoints: [...endpoints],
    issued: now,
  };
  const sig = signDocument(person.identity.privateKeyPem, "contact-card", unsigned);
  return `${JSON.stringify({ ...unsigned, sig }, null, 2)}\n`;
}

/** Reads and verifies a contact card; throws CollabError if it is malformed, expired or forged. */
export function readContactCard(text: string, now = Date.now()): Contact {
  if (Buffer.byteLength(text, "utf8") > MAX_CARD_BYTES) {
    throw new CollabError("QuotaExceeded", `contact card larger than ${MAX_CARD_BYTES} bytes`);
  }
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new CollabError("Malformed", "contact card is not JSON", { cause: e });
  }
  if (!raw || typeof raw !== "object" || raw.kind !== "prch-contact-card" || raw.v !== 1) {
    throw new CollabError("Malformed", "not a contact card");
  }
  const displayName = checkDisplayName(raw.displayName);
  const endpoints = checkEndpoints(raw.endpoints);
  const pin = checkCertificate(raw.certificate, now);
  const chain = raw.chain;
  if (
    !Array.isArray(chain) ||
    chain.length > 8 ||
    !chain.every((c) => typeof c === "string" && c.length <= MAX_CERTIFICATE_PEM)
  ) {
    throw new CollabError("Malformed", "bad certificate chain in contact card");
  }
  if (typeof raw.issued !== "number" || typeof raw.sig !== "string") {
    throw new CollabError("Malformed", "contact card lacks issued or sig");
  }
  const { sig, ...unsigned } = raw;
  if (!verifyDocument(raw.certificate as string, "contact-card", unsigned, sig as string)) {
    throw new CollabError("BadSignature", "contact card signature does not match its certificate");
  }
  return {
    displayName,
    certificatePem: raw.certificate as string,
    chainPem: chain as string[],
    endpoints,
    pin,
    addedAt: now,
  };
}

/** Options of {@link ContactManager.open}. */
export interface ContactManagerOptions {
  /** The JSON file; default {@link defaultContactsPath}. */
  readonly path?: string;
  /** Trust certificates that chain to these roots (a mesh CA), besides pinned contacts. */
  readonly validator?: CertificateValidator;
  /** Most contacts kept (default 10 000). */
  readonly maxContacts?: number;
}

/**
 * The contact list, persisted as JSON. A contact's certificate pin is its
 * identity: adding a contact pins its key, and {@link ContactManager.trust}
 * accepts a certificate when its key is pinned or when it chains to a root
 * of the configured validator.
 */
export class ContactManager {
  private readonly contacts = new Map<string, Contact>();
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly validator: CertificateValidator | undefined,
    private readonly maxContacts: number,
  ) {}

  /** Loads the contact file (a missing file is an empty list). */
  static async open(opts: ContactManagerOptions = {}): Promise<ContactManager> {
    const cm = new ContactManager(
      opts.path ?? defaultContactsPath(),
      opts.validator,
      opts.maxContacts ?? 10_000,
    );
    let text: string | undefined;
    try {
      text = await readFile(cm.path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") {
        throw new CollabError("Storage", `cannot read ${cm.path}`, { cause: e });
      }
    }
    if (text !== undefined) cm.load(text);
    return cm;
  }

  private load(text: string): void {
    if (text.length > MAX_CONTACTS_FILE)
      throw new CollabError("QuotaExceeded", "contacts file too large");
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new CollabError("Storage", `${this.path} is not JSON`, { cause: e });
    }
    const list = (raw as { contacts?: unknown }).contacts;
    if (!Array.isArray(list)) throw new CollabError("Storage", `${this.path}: no contacts list`);
    for (const item of list.slice(0, this.maxContacts)) {
      const c = item as Record<string, unknown>;
      try {
        const pin = checkCertificate(c.certificatePem, Date.now());
        this.contacts.set(pin, {
          displayName: checkDisplayName(c.displayName),
          certificatePem: c.certificatePem as string,
          chainPem: Array.isArray(c.chainPem)
            ? c.chainPem.filter((x) => typeof x === "string")
            : [],
          endpoints: checkEndpoints(c.endpoints),
          pin,
          addedAt: typeof c.addedAt === "number" ? c.addedAt : 0,
        });
      } catch (e) {
        // An expired certificate keeps its entry out of the list but not the rest.
        if (!(e instanceof CollabError)) throw e;
      }
    }
  }

  /** Every contact, in insertion order. */
  list(): Contact[] {
    return [...this.contacts.values()];
  }

  /** The contact with this pin. */
  get(pin: string): Contact | undefined {
    return this.contacts.get(pin);
  }

  /** Adds or replaces (same pin) a contact and saves the file. */
  async add(contact: Contact): Promise<void> {
    if (!this.contacts.has(contact.pin) && this.contacts.size >= this.maxContacts) {
      throw new CollabError("QuotaExceeded", `more than ${this.maxContacts} contacts`);
    }
    this.contacts.set(contact.pin, contact);
    await this.save();
  }

  /** Removes a contact by pin; true if it existed. */
  async remove(pin: string): Promise<boolean> {
    const had = this.contacts.delete(pin);
    if (had) await this.save();
    return had;
  }

  /** Verifies a signed contact card and adds its person. */
  async importCard(text: string, now = Date.now()): Promise<Contact> {
    const contact = readContactCard(text, now);
    await this.add(contact);
    return contact;
  }

  /** Exports `person` (usually oneself) as a signed contact card. */
  exportCard(person: Person, endpoints: readonly string[]): string {
    return createContactCard(person, endpoints);
  }

  /**
   * Decides whether a certificate is trusted: `pinned` when a contact has its
   * key, `chain` when the validator builds a path to a root, else `untrusted`.
   */
  trust(certificatePem: string, chainPem: readonly string[] = [], now = new Date()): TrustDecision {
    let pin: string;
    try {
      pin = checkCertificate(certificatePem, now.getTime());
    } catch {
      return "untrusted";
    }
    if (this.contacts.has(pin)) return "pinned";
    if (this.validator) {
      try {
        this.validator.validate([certificatePem, ...chainPem], now);
        return "chain";
      } catch (e) {
        if (!(e instanceof SecurityError)) throw e;
      }
    }
    return "untrusted";
  }

  /** Resolves when every change so far is on disk. */
  async flush(): Promise<void> {
    await this.writing.catch(() => undefined);
  }

  /** Writes the file atomically (temporary file, then rename); writes are serialized. */
  private save(): Promise<void> {
    const text = `${JSON.stringify({ v: 1, contacts: this.list() }, null, 2)}\n`;
    const run = async () => {
      try {
        await mkdir(dirname(this.path), { recursive: true });
        const tmp = `${this.path}.${process.pid}.tmp`;
        await writeFile(tmp, text, { mode: 0o600 });
        await rename(tmp, this.path);
      } catch (e) {
        throw new CollabError("Storage", `cannot write ${this.path}`, { cause: e });
      }
    };
    this.writing = this.writing.then(run, run);
    return this.writing;
  }
}
