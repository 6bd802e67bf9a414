import { RecordDecoder, type DecoderLimits } from "./decoder.js";
import { type EnvelopeEncoding, isKnownEncoding, type KnownEncoding } from "./encodings.js";
import { concatBytes, DEFAULT_CHUNK_SIZE, encodePreamble, encodeRecord } from "./encoder.js";
import { encodedSizeLength, writeEncodedSize } from "./size.js";
import { RecordType } from "./records.js";

/**
 * In the output queue, stands for the SizedEnvelope record header of the
 * payload that follows it: the header is written straight into the joined
 * output instead of being allocated per message.
 */
const SIZED_MARK = new Uint8Array(0);

/**
 * A byte array whose every byte the caller writes: Node's `Buffer.allocUnsafe`
 * (no zero fill, pooled when small) where it exists, a plain array elsewhere.
 */
const allocUninitialised: (n: number) => Uint8Array =
  typeof Buffer === "function" ? (n) => Buffer.allocUnsafe(n) : (n) => new Uint8Array(n);

/**
 * Joins the output queue, writing the header of every payload behind a
 * SIZED_MARK. A lone record (one we encoded ourselves) is returned as is.
 */
function joinFraming(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1 && parts[0] !== SIZED_MARK) return parts[0]!;
  let total = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p === SIZED_MARK) {
      const n = parts[i + 1]!.length;
      total += 1 + encodedSizeLength(n);
    } else total += p.length;
  }
  const out = allocUninitialised(total);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p === SIZED_MARK) {
      out[at++] = RecordType.SizedEnvelope;
      at = writeEncodedSize(out, at, parts[i + 1]!.length);
    } else {
      out.set(p, at);
      at += p.length;
    }
  }
  return out;
}
import { NmfError } from "./errors.js";
import { FaultName, faultUri } from "./faults.js";
import {
  type DecodedRecord,
  isMode,
  Mode,
  modeName,
  NMF_MAJOR_VERSION,
  UpgradeProtocol,
} from "./records.js";

/** What a session reports to its user. Every public mutator returns the events it caused. */
export type NmfEvent =
  /**
   * The preamble is done and envelopes may flow. On the receiver it carries
   * what the initiator asked for; on the initiator it echoes the configuration.
   */
  | {
      readonly type: "preambleComplete";
      readonly mode: Mode;
      readonly via: string;
      readonly encoding: EnvelopeEncoding;
    }
  /**
   * Receiver: the initiator asked for an upgrade we perform, and the Upgrade
   * Response is already in the output. Flush the output, run the upgrade
   * (e.g. TLS as server) on the raw transport, then call
   * {@link NmfSession.upgradeComplete} and feed decrypted bytes.
   */
  | { readonly type: "upgradeRequested"; readonly protocol: string }
  /**
   * Initiator: the receiver accepted our Upgrade Request. Run the upgrade
   * (e.g. TLS as client), then call {@link NmfSession.upgradeComplete} and
   * write subsequent output through the upgraded stream.
   */
  | { readonly type: "upgradeAccepted"; readonly protocol: string }
  /** A whole envelope payload (sized, the joined chunks of an unsized one, or a Singleton Sized message). */
  | { readonly type: "envelope"; readonly payload: Uint8Array }
  /** The peer sent End (§2.2.3.9): nothing more will be received in this session. */
  | { readonly type: "end" }
  /** The peer sent a Fault record (§2.2.5); a `closed` event follows. */
  | { readonly type: "fault"; readonly fault: string }
  /** A protocol violation; any fault due has been queued as output, and a `closed` event follows. */
  | { readonly type: "error"; readonly error: NmfError }
  /**
   * The session is over. `clean` is true after a complete exchange (both
   * End records, or the mode's natural end); then the transport may be
   * reused for another session (MC-NMF §3.1.1.2 allows several per
   * connection), starting with {@link NmfSession.takeUnconsumed}.
   */
  | { readonly type: "closed"; readonly clean: boolean };

/** Options shared by both roles. */
export interface SessionOptions extends DecoderLimits {
  /** Largest Data Chunk written for unsized envelopes (default 65536). */
  chunkSize?: number;
  /**
   * Share buffers instead of copying them (default false): received
   * envelopes may be views of the bytes given to `receive`, and sized
   * envelopes given to `sendEnvelope` are kept by reference until
   * `takeOutput`. Only for callers that never change or reuse those bytes
   * afterwards, such as a Node.js socket's chunks; saves two copies per
   * message.
   */
  shareBuffers?: boolean;
}

/** Initiator configuration (the PCO of MC-NMF §1.3). */
export interface InitiatorOptions extends SessionOptions {
  mode: Mode;
  via: string;
  encoding: EnvelopeEncoding;
  /**
   * Upgrades to request in order (Singleton Unsized and Duplex only, §1.3.3),
   * e.g. `["application/ssl-tls"]`.
   */
  upgrades?: readonly string[];
}

/** Receiver configuration: what it accepts. */
export interface ReceiverOptions extends SessionOptions {
  /** Modes accepted (default: all four). Others get UnsupportedMode. */
  modes?: readonly Mode[];
  /** Known encodings accepted (default: all nine). Others get ContentTypeInvalid. */
  encodings?: readonly KnownEncoding[];
  /** Extensible-encoding content types accepted, compared exactly (default: none). */
  contentTypes?: readonly string[];
  /**
   * Upgrade protocols this receiver performs (default: none), typically
   * `["application/ssl-tls"]`. Anything else gets UpgradeInvalid;
   * `application/negotiate` is always refused since SPNEGO is not implemented.
   */
  upgrades?: readonly string[];
  /** Endpoint lookup for a Via (§3.1.4.5); returning false sends EndpointNotFound. Default: accept all. */
  acceptVia?: (via: string) => boolean;
}

type Phase =
  | "idle"
  | "version"
  | "mode"
  | "via"
  | "encoding"
  | "upgradeOrPreambleEnd"
  | "preambleEnd"
  | "upgradeResponse"
  | "upgrading"
  | "preambleAck"
  | "raw"
  | "envelopes"
  | "unsized"
  | "inUnsized"
  | "endAfterUnsized"
  | "nothing"
  | "closed";

/**
 * Common machinery of both roles: input decoding, the output queue, the
 * Send/Receive Allowed flags of MC-NMF §3.1.1 and the End handshake.
 * Sans-IO: bytes go in through {@link NmfSession.receive}, bytes to write
 * come out of {@link NmfSession.takeOutput}.
 */
export abstract class NmfSession {
  /** "initiator" or "receiver". */
  abstract readonly role: "initiator" | "receiver";
  protected phase: Phase;
  protected readonly decoder: RecordDecoder;
  private readonly shareBuffers: boolean;
  protected readonly chunkSize: number;
  protected sessionMode: Mode | undefined;
  protected sessionVia: string | undefined;
  protected sessionEncoding: EnvelopeEncoding | undefined;
  private output: Uint8Array[] = [];
  private unsizedParts: Uint8Array[] = [];
  private sendAllowedFlag = false;
  private receiveAllowedFlag = false;
  private sentEnd = false;
  private receivedEnd = false;
  private cleanClose = false;

  protected constructor(options: SessionOptions, phase: Phase) {
    this.decoder = new RecordDecoder(options, options.shareBuffers === true);
    this.shareBuffers = options.shareBuffers === true;
    const chunk = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (!Number.isInteger(chunk) || chunk < 1 || chunk > 0x7fffffff) {
      throw new NmfError("invalid-argument", `chunkSize must be a positive integer, got ${chunk}`);
    }
    this.chunkSize = chunk;
    this.phase = phase;
  }

  /** The mode, once known. */
  get mode(): Mode | undefined {
    return this.sessionMode;
  }
  /** The Via, once known. */
  get via(): string | undefined {
    return this.sessionVia;
  }
  /** The envelope encoding, once known. */
  get encoding(): EnvelopeEncoding | undefined {
    return this.sessionEncoding;
  }
  /** §3.1.1 Send Allowed. */
  get sendAllowed(): boolean {
    return this.sendAllowedFlag && this.phase !== "closed";
  }
  /** §3.1.1 Receive Allowed. */
  get receiveAllowed(): boolean {
    return this.receiveAllowedFlag && this.phase !== "closed";
  }
  /** True once the session is over (cleanly or not). */
  get closed(): boolean {
    return this.phase === "closed";
  }
  /** Current internal phase, for diagnostics. */
  get state(): string {
    return this.phase;
  }

  /** Removes and returns everything queued for writing (empty when nothing is). */
  takeOutput(): Uint8Array {
    const out = joinFraming(this.output);
    // Emptied, not replaced: the array (and its grown capacity) serves every flush.
    this.output.length = 0;
    return out;
  }

  /** True when {@link NmfSession.takeOutput} has bytes. */
  get hasOutput(): boolean {
    return this.output.length > 0;
  }

  /**
   * Received bytes that were not decoded: during an upgrade they belong to
   * the upgrade protocol; after a clean close they may start the next session.
   */
  takeUnconsumed(): Uint8Array {
    return this.decoder.takeBuffered();
  }

  /** Feeds received bytes (any chunking) and returns the resulting events. */
  receive(bytes: Uint8Array): NmfEvent[] {
    const events: NmfEvent[] = [];
    // After a failed session nothing more is decoded or kept; after a clean
    // one the bytes are kept for takeUnconsumed() (the next session's).
    if (this.phase === "closed" && !this.cleanClose) return events;
    this.decoder.push(bytes);
    this.pump(events);
    return events;
  }

  /** Signals that the transport reached end of stream. */
  receiveEof(): NmfEvent[] {
    const events: NmfEvent[] = [];
    if (this.phase === "closed") return events;
    if (this.phase === "upgrading") {
      this.fail(new NmfError("unexpected-eof", "transport closed during an upgrade"), events);
      return events;
    }
    try {
      this.decoder.finish();
    } catch (error) {
      this.fail(asNmfError(error), events);
      return events;
    }
    if (this.phase === "raw") {
      const payload = concatBytes(this.unsizedParts);
      this.unsizedParts = [];
      if (payload.length === 0) {
        this.fail(
          new NmfError("unexpected-eof", "Singleton Sized stream ended without a message"),
          events,
        );
        return events;
      }
      events.push({ type: "envelope", payload });
      this.receiveAllowedFlag = false;
      this.finish(events, true);
      return events;
    }
    if (this.receivedEnd || this.sentEnd) {
      // Once either side has sent End the session is winding down, and the
      // transport closing ends it (§3.1.7.1). Mono's WCF, for one, closes the
      // socket on receiving End without answering with its own.
      this.finish(events, false);
      return events;
    }
    this.fail(
      new NmfError("unexpected-eof", `transport closed in state ${this.phase}`, {
        offset: this.decoder.offset,
      }),
      events,
    );
    return events;
  }

  /**
   * Sends one envelope. Duplex and Simplex: a Sized Envelope record.
   * Singleton Unsized: an Unsized Envelope record followed by End, after
   * which nothing more may be sent (§3.2.4.3.1). Singleton Sized: the raw
   * octets, after which the caller closes the transport (§3.2.4.3.3).
   */
  sendEnvelope(payload: Uint8Array): NmfEvent[] {
    const events: NmfEvent[] = [];
    this.checkCanSend("send an envelope");
    if (payload.length === 0)
      throw new NmfError("invalid-argument", "an envelope must not be empty");
    switch (this.sessionMode) {
      case Mode.Duplex:
      case Mode.Simplex:
        if (this.shareBuffers) {
          // The record header alone; takeOutput() joins it with the payload in one copy.
          this.output.push(SIZED_MARK, payload);
        } else this.output.push(encodeRecord({ type: "sizedEnvelope", payload }));
        break;
      case Mode.SingletonUnsized:
        this.output.push(
          encodeRecord({ type: "unsizedEnvelope", payload, chunkSize: this.chunkSize }),
          encodeRecord({ type: "end" }),
        );
        this.markSentEnd(events);
        break;
      case Mode.SingletonSized:
        // Copied (as a plain Uint8Array, not via Buffer#slice) so later changes by the caller don't leak.
        this.output.push(new Uint8Array(payload));
        this.sendAllowedFlag = false;
        this.finish(events, true);
        break;
    }
    return events;
  }

  /**
   * Sends End (§2.2.3.9): this side sends nothing more but keeps receiving
   * until the peer's End. Not available in Singleton Sized mode.
   */
  end(): NmfEvent[] {
    const events: NmfEvent[] = [];
    this.checkCanSend("send End");
    if (this.sessionMode === Mode.SingletonSized) {
      throw new NmfError("invalid-state", "Singleton Sized mode has no End record");
    }
    this.output.push(encodeRecord({ type: "end" }));
    this.markSentEnd(events);
    return events;
  }

  /**
   * Sends a Fault record (receiver only, Singleton Unsized and Duplex: the
   * initiating stream has no faults in the §3.1.1.2 grammar) and closes.
   * Use it for application-level refusals such as ServerTooBusy.
   */
  sendFault(fault: string): NmfEvent[] {
    const events: NmfEvent[] = [];
    if (this.phase === "closed") throw new NmfError("session-closed", "the session is closed");
    if (!this.canSendFault()) {
      throw new NmfError("invalid-state", `a ${this.role} in this mode cannot send faults`);
    }
    this.output.push(encodeRecord({ type: "fault", fault }));
    this.finish(events, false);
    return events;
  }

  /** Reports that the upgrade announced by an upgrade event has finished. */
  upgradeComplete(): NmfEvent[] {
    if (this.phase !== "upgrading") {
      throw new NmfError("invalid-state", "no upgrade is in progress");
    }
    if (this.decoder.buffered > 0) {
      // Those bytes belong to the upgrade protocol (e.g. a TLS record), not
      // to framing; silently dropping or decoding them would both be wrong.
      throw new NmfError(
        "invalid-state",
        "bytes received during the upgrade are still buffered; take them with takeUnconsumed() first",
      );
    }
    const events: NmfEvent[] = [];
    this.afterUpgrade(events);
    return events;
  }

  /** Discards the session at once (§3.2.4.6, §3.3.4.6): no output, no events. */
  close(): void {
    this.phase = "closed";
    this.sendAllowedFlag = false;
    this.receiveAllowedFlag = false;
    this.output.length = 0;
  }

  protected abstract onRecord(record: DecodedRecord, events: NmfEvent[]): void;
  protected abstract afterUpgrade(events: NmfEvent[]): void;
  protected abstract canSendFault(): boolean;

  protected queue(bytes: Uint8Array): void {
    this.output.push(bytes);
  }

  protected setAllowed(send: boolean, receive: boolean): void {
    this.sendAllowedFlag = send;
    this.receiveAllowedFlag = receive;
  }

  protected get sentEndAlready(): boolean {
    return this.sentEnd;
  }

  /** Envelope phase after the preamble, by mode. */
  protected envelopePhase(): Phase {
    return this.sessionMode === Mode.SingletonUnsized ? "unsized" : "envelopes";
  }

  private checkCanSend(what: string): void {
    if (this.phase === "closed") throw new NmfError("session-closed", "the session is closed");
    if (!this.sendAllowedFlag) {
      throw new NmfError("invalid-state", `cannot ${what} now (Send Allowed is false)`);
    }
  }

  private markSentEnd(events: NmfEvent[]): void {
    this.sentEnd = true;
    this.sendAllowedFlag = false;
    // Simplex: the receiver never answers, so our End ends the session.
    if (this.receivedEnd || this.sessionMode === Mode.Simplex) this.finish(events, true);
  }

  private markReceivedEnd(events: NmfEvent[]): void {
    this.receivedEnd = true;
    this.receiveAllowedFlag = false;
    events.push({ type: "end" });
    this.phase = "nothing";
    if (this.sentEnd || this.sessionMode === Mode.Simplex) this.finish(events, true);
  }

  protected finish(events: NmfEvent[], clean: boolean): void {
    if (this.phase === "closed") return;
    this.phase = "closed";
    this.cleanClose = clean;
    this.sendAllowedFlag = false;
    this.receiveAllowedFlag = false;
    events.push({ type: "closed", clean });
  }

  /** Closes on a protocol error, queuing the fault the error calls for when this side may send one. */
  protected fail(error: NmfError, events: NmfEvent[]): void {
    if (this.phase === "closed") return;
    if (error.fault !== undefined && error.code !== "fault-received" && this.canSendFault()) {
      this.output.push(encodeRecord({ type: "fault", fault: error.fault }));
    }
    events.push({ type: "error", error });
    this.finish(events, false);
  }

  private pump(events: NmfEvent[]): void {
    // Bounded: each iteration consumes at least one record or returns.
    while (this.phase !== "closed" && this.phase !== "upgrading") {
      let record: DecodedRecord | undefined;
      try {
        record = this.decoder.next();
      } catch (error) {
        this.fail(asNmfError(error), events);
        return;
      }
      if (record === undefined) return;
      if (record.type === "fault") {
        // A Fault closes the session whatever the state; §3.1.4.2 forbids
        // answering an unexpected Fault with another.
        events.push({ type: "fault", fault: record.fault });
        this.finish(events, false);
        return;
      }
      try {
        if (!this.handleEnvelopes(record, events)) this.onRecord(record, events);
      } catch (error) {
        this.fail(asNmfError(error), events);
        return;
      }
    }
  }

  /** Records of the envelope phases, common to both roles. Returns true when handled. */
  private handleEnvelopes(record: DecodedRecord, events: NmfEvent[]): boolean {
    switch (this.phase) {
      case "raw":
        if (record.type !== "octets") return false;
        this.unsizedParts.push(record.payload);
        return true;
      case "envelopes":
        if (record.type === "sizedEnvelope") {
          events.push({ type: "envelope", payload: record.payload });
          return true;
        }
        if (record.type === "end") {
          this.markReceivedEnd(events);
          return true;
        }
        return false;
      case "unsized":
        if (record.type === "unsizedEnvelopeStart") {
          this.unsizedParts = [];
          this.phase = "inUnsized";
          return true;
        }
        // The reply stream of Singleton Unsized may end without an envelope
        // (`*1UnsizedEnvelopeRecord` in SingletonUnsizedStream-b).
        if (record.type === "end" && this.role === "initiator") {
          this.markReceivedEnd(events);
          return true;
        }
        return false;
      case "inUnsized":
        if (record.type === "dataChunk") {
          this.unsizedParts.push(record.payload);
          return true;
        }
        if (record.type === "unsizedEnvelopeEnd") {
          const payload = concatBytes(this.unsizedParts);
          this.unsizedParts = [];
          events.push({ type: "envelope", payload });
          this.phase = "endAfterUnsized";
          return true;
        }
        return false;
      case "endAfterUnsized":
        if (record.type === "end") {
          this.markReceivedEnd(events);
          return true;
        }
        return false;
      default:
        return false;
    }
  }

  /** The error for a record the grammar does not allow here (§3.1.4.2). */
  protected unexpected(record: DecodedRecord): NmfError {
    return new NmfError(
      "invalid-record-sequence",
      `unexpected ${record.type} record in state ${this.phase} (${this.role}, ${
        this.sessionMode === undefined ? "mode not yet known" : modeName(this.sessionMode)
      })`,
      { offset: this.decoder.lastRecordOffset, fault: faultUri(FaultName.InvalidRecordSequence) },
    );
  }
}

function asNmfError(error: unknown): NmfError {
  if (error instanceof NmfError) return error;
  return new NmfError("invalid-value", `internal error: ${String(error)}`, { cause: error });
}

function checkUpgrades(upgrades: readonly string[]): void {
  for (const u of upgrades) {
    if (typeof u !== "string" || u.length === 0) {
      throw new NmfError("invalid-argument", "upgrade protocol names must be non-empty strings");
    }
  }
}

/**
 * The initiating side (MC-NMF §3.2). Call {@link NmfInitiator.start} to send
 * the preamble, then write {@link NmfSession.takeOutput} after every call.
 *
 * @example
 * ```ts
 * const s = new NmfInitiator({ mode: Mode.Duplex, via: "net.tcp://host/svc", encoding: KnownEncoding.Soap12Utf8 });
 * s.start(); socket.write(s.takeOutput());
 * socket.on("data", (b) => { for (const e of s.receive(b)) handle(e); socket.write(s.takeOutput()); });
 * ```
 */
export class NmfInitiator extends NmfSession {
  readonly role = "initiator" as const;
  private readonly pendingUpgrades: string[];
  private currentUpgrade: string | undefined;

  constructor(options: InitiatorOptions) {
    super(options, "idle");
    if (!isMode(options.mode)) {
      throw new NmfError("invalid-argument", `unknown mode ${String(options.mode)}`);
    }
    if (typeof options.via !== "string" || options.via.length === 0) {
      throw new NmfError("invalid-argument", "the Via must be a non-empty string");
    }
    const enc = options.encoding;
    if (typeof enc === "number" ? !isKnownEncoding(enc) : !enc?.contentType) {
      throw new NmfError(
        "invalid-argument",
        "the encoding must be a known encoding or a content type",
      );
    }
    const upgrades = options.upgrades ?? [];
    checkUpgrades(upgrades);
    if (
      upgrades.length > 0 &&
      options.mode !== Mode.Duplex &&
      options.mode !== Mode.SingletonUnsized
    ) {
      // §1.3.3: upgrades need an active receiver.
      throw new NmfError(
        "invalid-argument",
        `upgrades are not possible in ${modeName(options.mode)} mode`,
      );
    }
    this.pendingUpgrades = [...upgrades];
    this.sessionMode = options.mode;
    this.sessionVia = options.via;
    this.sessionEncoding = enc;
  }

  /** Sends the Preamble Message (§3.2.4.2) and, where the mode allows, the first Upgrade Request or Preamble End. */
  start(): NmfEvent[] {
    if (this.phase !== "idle")
      throw new NmfError("invalid-state", "the session has already started");
    const events: NmfEvent[] = [];
    const mode = this.sessionMode!;
    this.queue(encodePreamble({ mode, via: this.sessionVia!, encoding: this.sessionEncoding! }));
    switch (mode) {
      case Mode.SingletonSized:
        // No Preamble End: the message octets follow the preamble directly.
        this.phase = "nothing";
        this.setAllowed(true, false);
        events.push(this.complete());
        break;
      case Mode.Simplex:
        this.queue(encodeRecord({ type: "preambleEnd" }));
        this.phase = "nothing";
        this.setAllowed(true, false);
        events.push(this.complete());
        break;
      default:
        this.nextUpgradeOrPreambleEnd();
    }
    return events;
  }

  private complete(): NmfEvent {
    return {
      type: "preambleComplete",
      mode: this.sessionMode!,
      via: this.sessionVia!,
      encoding: this.sessionEncoding!,
    };
  }

  private nextUpgradeOrPreambleEnd(): void {
    const next = this.pendingUpgrades.shift();
    if (next !== undefined) {
      this.currentUpgrade = next;
      this.queue(encodeRecord({ type: "upgradeRequest", protocol: next }));
      this.phase = "upgradeResponse";
    } else {
      this.queue(encodeRecord({ type: "preambleEnd" }));
      this.phase = "preambleAck";
    }
  }

  protected override afterUpgrade(): void {
    this.currentUpgrade = undefined;
    this.nextUpgradeOrPreambleEnd();
  }

  protected override canSendFault(): boolean {
    return false;
  }

  protected override onRecord(record: DecodedRecord, events: NmfEvent[]): void {
    switch (this.phase) {
      case "upgradeResponse":
        if (record.type === "upgradeResponse") {
          this.phase = "upgrading";
          events.push({ type: "upgradeAccepted", protocol: this.currentUpgrade! });
          return;
        }
        break;
      case "preambleAck":
        if (record.type === "preambleAck") {
          this.phase = this.envelopePhase();
          // §3.2.4.2: Send Allowed; Receive Allowed in Duplex, and for the
          // optional reply of Singleton Unsized (SingletonUnsizedStream-b).
          this.setAllowed(true, true);
          events.push(this.complete());
          return;
        }
        break;
    }
    throw this.unexpected(record);
  }
}

/**
 * The receiving side (MC-NMF §3.3): reads the preamble, answers upgrades and
 * Preamble End, and sends the faults Windows sends (§6).
 */
export class NmfReceiver extends NmfSession {
  readonly role = "receiver" as const;
  private readonly options: ReceiverOptions;
  private modeKnown = false;

  constructor(options: ReceiverOptions = {}) {
    super(options, "version");
    checkUpgrades(options.upgrades ?? []);
    this.options = options;
  }

  protected override canSendFault(): boolean {
    // §3.1.4: faults only in Singleton Unsized and Duplex. Before the mode is
    // known (bad Version or Mode) Windows still answers (§6 <9>, <10>).
    return (
      !this.modeKnown ||
      this.sessionMode === Mode.Duplex ||
      this.sessionMode === Mode.SingletonUnsized
    );
  }

  protected override afterUpgrade(): void {
    this.phase = "upgradeOrPreambleEnd";
  }

  private refuse(code: NmfError["code"], message: string, fault: FaultName): NmfError {
    return new NmfError(code, message, {
      offset: this.decoder.lastRecordOffset,
      fault: faultUri(fault),
    });
  }

  protected override onRecord(record: DecodedRecord, events: NmfEvent[]): void {
    const o = this.options;
    switch (this.phase) {
      case "version":
        if (record.type !== "version") break;
        // §6 <3>: the minor version is not checked when the major is 1.
        if (record.major !== NMF_MAJOR_VERSION) {
          throw this.refuse(
            "unsupported-version",
            `unsupported framing version ${record.major}.${record.minor}`,
            FaultName.UnsupportedVersion,
          );
        }
        this.phase = "mode";
        return;
      case "mode": {
        if (record.type !== "mode") break;
        const mode = record.mode;
        if (!isMode(mode) || (o.modes !== undefined && !o.modes.includes(mode))) {
          throw this.refuse(
            "unsupported-mode",
            `unsupported mode ${modeName(mode)}`,
            FaultName.UnsupportedMode,
          );
        }
        this.sessionMode = mode;
        this.modeKnown = true;
        this.phase = "via";
        return;
      }
      case "via":
        if (record.type !== "via") break;
        if (o.acceptVia !== undefined && !o.acceptVia(record.via)) {
          throw this.refuse(
            "endpoint-not-found",
            `no endpoint for Via ${JSON.stringify(record.via)}`,
            FaultName.EndpointNotFound,
          );
        }
        this.sessionVia = record.via;
        this.phase = "encoding";
        return;
      case "encoding":
        if (record.type === "knownEncoding") {
          const e = record.encoding;
          if (!isKnownEncoding(e) || (o.encodings !== undefined && !o.encodings.includes(e))) {
            throw this.refuse(
              "content-type-invalid",
              `unsupported known encoding 0x${e.toString(16).padStart(2, "0")}`,
              FaultName.ContentTypeInvalid,
            );
          }
          this.sessionEncoding = e;
        } else if (record.type === "extensibleEncoding") {
          if (!(o.contentTypes ?? []).includes(record.contentType)) {
            throw this.refuse(
              "content-type-invalid",
              `unsupported content type ${JSON.stringify(record.contentType)}`,
              FaultName.ContentTypeInvalid,
            );
          }
          this.sessionEncoding = { contentType: record.contentType };
        } else {
          break;
        }
        this.afterEncoding(events);
        return;
      case "upgradeOrPreambleEnd":
        if (record.type === "upgradeRequest") {
          this.onUpgradeRequest(record.protocol, events);
          return;
        }
        if (record.type === "preambleEnd") {
          this.onPreambleEnd(events);
          return;
        }
        break;
      case "preambleEnd":
        if (record.type === "preambleEnd") {
          this.onPreambleEnd(events);
          return;
        }
        break;
    }
    throw this.unexpected(record);
  }

  private afterEncoding(events: NmfEvent[]): void {
    switch (this.sessionMode) {
      case Mode.SingletonSized:
        // §3.1.1.2 SingletonSizedStream-a: the message octets follow at once.
        this.decoder.enterRawMode();
        this.phase = "raw";
        this.setAllowed(false, true);
        events.push(this.complete());
        break;
      case Mode.Simplex:
        this.phase = "preambleEnd";
        break;
      default:
        this.phase = "upgradeOrPreambleEnd";
    }
  }

  private complete(): NmfEvent {
    return {
      type: "preambleComplete",
      mode: this.sessionMode!,
      via: this.sessionVia!,
      encoding: this.sessionEncoding!,
    };
  }

  private onUpgradeRequest(protocol: string, events: NmfEvent[]): void {
    if (protocol === UpgradeProtocol.Negotiate) {
      throw this.refuse(
        "upgrade-invalid",
        "application/negotiate (SPNEGO) upgrades are not supported",
        FaultName.UpgradeInvalid,
      );
    }
    if (!(this.options.upgrades ?? []).includes(protocol)) {
      throw this.refuse(
        "upgrade-invalid",
        `upgrade ${JSON.stringify(protocol)} is not supported`,
        FaultName.UpgradeInvalid,
      );
    }
    // §3.1.4.7: answer, then hand the stream to the upgrade handler.
    this.queue(encodeRecord({ type: "upgradeResponse" }));
    this.phase = "upgrading";
    events.push({ type: "upgradeRequested", protocol });
  }

  private onPreambleEnd(events: NmfEvent[]): void {
    if (this.sessionMode !== Mode.Simplex) this.queue(encodeRecord({ type: "preambleAck" }));
    this.phase = this.envelopePhase();
    // §3.3.4.2: Receive Allowed; Send Allowed in Duplex and for the optional
    // reply of Singleton Unsized (SingletonUnsizedStream-b).
    this.setAllowed(this.sessionMode !== Mode.Simplex, true);
    events.push(this.complete());
  }
}
