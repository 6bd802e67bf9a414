import { EventEmitter } from "node:events";
import { networkInterfaces } from "node:os";
import { PeerNode } from "@prch/node";
import { ApplicationRegistry, checkApplicationId } from "./application.js";
import type { ContactManager, TrustDecision } from "./contacts.js";
import { type EndpointScheme, formatEndpoint, parseEndpoint } from "./endpoint.js";
import { CollabError } from "./errors.js";
import { FrameServer, requestFrame, type TlsIdentity } from "./frames.js";
import type { PeerRef, Person } from "./identity.js";
import {
  type InvitationResponse,
  parseInvitationBody,
  ReceivedInvitation,
  type SessionCredentials,
} from "./invitations.js";
import type { Messenger } from "./messenger.js";
import {
  createEnvelope,
  type MessageType,
  type OpenedMessage,
  openEnvelope,
  ReplayCache,
} from "./messages.js";
import { type NearbyPerson, PeopleNearMe, type PeopleNearMeOptions } from "./pnm.js";
import { type PresenceOptions, PresenceService } from "./presence.js";
import { HostedSession, type MeshListenOptions } from "./session.js";

/** Options of {@link Collab.start}. */
export interface CollabOptions {
  readonly person: Person;
  /** Contacts, for trust decisions (optional). */
  readonly contacts?: ContactManager;
  /** Where the collaboration endpoint listens; default 127.0.0.1, any port. */
  readonly listen?: { readonly host?: string; readonly port?: number };
  /**
   * Endpoints to announce; default the listen address, or every non-internal
   * IPv4 address when listening on 0.0.0.0.
   */
  readonly advertise?: readonly string[];
  /** People Near Me settings, or `false` to not announce or listen. Default on. */
  readonly nearMe?: Omit<PeopleNearMeOptions, "person" | "endpoints"> | false;
  readonly presence?: PresenceOptions;
  /**
   * Serve and announce `tls://` endpoints with the person's certificate
   * (default), or plain `tcp://` when false. Messages are signed either way;
   * TLS also keeps invitation texts and presence notes private.
   */
  readonly tls?: boolean;
  /** Largest frame, bytes (default 65536). */
  readonly maxFrame?: number;
  /** Deadline of one request to someone, ms (default 10 000). */
  readonly requestTimeoutMs?: number;
  /**
   * Who may ask us to host, invite us or subscribe to our presence: `anyone`
   * whose signature verifies (default), or only `trusted` people — pinned
   * contacts or certificates that chain to the contact manager's roots.
   */
  readonly acceptFrom?: "anyone" | "trusted";
  /** Most invitations awaiting our answer (default 64); more are refused. */
  readonly maxPendingInvitations?: number;
}

/** A request that we host a session (`requestHost`). */
export interface HostRequest {
  readonly from: PeerRef;
  readonly trust: TrustDecision;
  readonly applicationId: string;
  readonly message: string;
}

/**
 * One person's collaboration stack: a signed-message endpoint (TCP),
 * People Near Me, presence, registered applications, invitations and hosted
 * sessions. Events: `hostRequest(HostRequest)`, `invitation(ReceivedInvitation)`
 * (for applications not registered), `sessionStarted(invitation, credentials)`,
 * `contactUpdated(contact)` (a contact announced new endpoints nearby), `rejected(error)` (an
 * incoming message that did not verify) and `warning(error)`.
 */
export class Collab extends EventEmitter implements Messenger {
  readonly presence: PresenceService;
  readonly applications = new ApplicationRegistry();
  private readonly replay = new ReplayCache();
  private readonly received = new Map<string, ReceivedInvitation>();
  private readonly hosted = new Set<HostedSession>();
  private server: FrameServer | undefined;
  private pnm: PeopleNearMe | undefined;
  private endpointList: string[] = [];
  private closed = false;

  private constructor(private readonly opts: CollabOptions) {
    super();
    this.presence = new PresenceService(this, opts.presence);
  }

  /** Starts listening and (unless disabled) announcing. */
  static async start(opts: CollabOptions): Promise<Collab> {
    const c = new Collab(opts);
    const host = opts.listen?.host ?? "127.0.0.1";
    const scheme = opts.tls === false ? "tcp" : "tls";
    c.server = new FrameServer((frame, remote) => c.dispatch(frame, remote), {
      maxFrame: opts.maxFrame,
      tls: scheme === "tls" ? c.tlsIdentity() : undefined,
    });
    const port = await c.server.listen(host, opts.listen?.port ?? 0);
    c.endpointList = opts.advertise ? [...opts.advertise] : defaultEndpoints(host, port, scheme);
    if (opts.nearMe !== false) {
      c.pnm = new PeopleNearMe({ ...opts.nearMe, person: opts.person, endpoints: c.endpointList });
      c.pnm.on("warning", (e) => c.emit("warning", e));
      const refresh = (p: NearbyPerson) => c.refreshContact(p);
      c.pnm.on("appeared", refresh);
      c.pnm.on("updated", refresh);
      try {
        await c.pnm.start();
      } catch (e) {
        await c.server.close();
        throw e;
      }
    }
    return c;
  }

  get person(): Person {
    return this.opts.person;
  }

  /** Our announced endpoints. */
  get endpoints(): readonly string[] {
    return this.endpointList;
  }

  /** People Near Me (undefined when disabled). */
  get nearMe(): PeopleNearMe | undefined {
    return this.pnm;
  }

  /** People nearby right now. */
  nearby(): NearbyPerson[] {
    return this.pnm?.nearby() ?? [];
  }

  /** Trust decision for someone, by our contacts (pinned key or CA chain). */
  trust(peer: PeerRef): TrustDecision {
    return this.opts.contacts?.trust(peer.certificatePem, peer.chainPem ?? []) ?? "untrusted";
  }

  /**
   * Sends a signed message to `peer`, trying each endpoint in turn, and
   * returns the reply, verified to come from the same key. An `error`
   * reply becomes a `Refused` CollabError.
   */
  async send(
    peer: PeerRef,
    type: MessageType,
    body: unknown,
    timeoutMs?: number,
  ): Promise<OpenedMessage> {
    if (this.closed) throw new CollabError("Closed", "collaboration stopped");
    const env = createEnvelope(this.person, this.endpointList, peer.pin, type, body);
    let last: unknown = new CollabError("Unreachable", `${peer.displayName} has no endpoints`);
    for (const ep of peer.endpoints) {
      let raw: unknown;
      try {
        raw = await requestFrame(ep, env, {
          timeoutMs: timeoutMs ?? this.opts.requestTimeoutMs,
          maxFrame: this.opts.maxFrame,
          tls: { identity: this.tlsIdentity(), expectedPin: peer.pin },
        });
      } catch (e) {
        last = e;
        continue;
      }
      const reply = openEnvelope(raw, {
        selfPin: this.person.pin,
        now: Date.now(),
        replay: this.replay,
      });
      if (reply.from.pin !== peer.pin || reply.re !== env.id) {
        throw new CollabError("BadSignature", "reply not from the person asked");
      }
      if (reply.type === "error") {
        const m = (reply.body as { message?: unknown } | null)?.message;
        throw new CollabError("Refused", typeof m === "string" ? m.slice(0, 200) : "refused");
      }
      return reply;
    }
    throw last;
  }

  /** Asks `peer` to host a session for `applicationId` (they see a `hostRequest` event). */
  async requestHost(peer: PeerRef, applicationId: string, message = ""): Promise<void> {
    checkApplicationId(applicationId);
    if (message.length > 1024) throw new CollabError("InvalidArgument", "message too long");
    await this.send(peer, "host-request", { applicationId, message });
  }

  /**
   * Hosts a new session: makes a mesh name and password and starts a
   * resolver for it on our listen address (or `mesh.host`).
   */
  async hostSession(applicationId: string, mesh: MeshListenOptions = {}): Promise<HostedSession> {
    checkApplicationId(applicationId);
    if (this.closed) throw new CollabError("Closed", "collaboration stopped");
    const host = mesh.host ?? this.meshHost();
    const s = await HostedSession.create(applicationId, this, host, (x) => this.hosted.delete(x));
    this.hosted.add(s);
    return s;
  }

  /** Joins a session's mesh with credentials from an accepted invitation. */
  joinSession(creds: SessionCredentials, mesh: MeshListenOptions = {}): Promise<PeerNode> {
    return PeerNode.open({
      meshName: creds.meshName,
      resolver: creds.resolver,
      security: { mode: "password", password: creds.password },
      listen: { host: mesh.host ?? this.meshHost() },
    });
  }

  /** Invitations received and not yet settled. */
  pendingInvitations(): ReceivedInvitation[] {
    return [...this.received.values()].filter((i) => i.state === "pending");
  }

  /** Tells presence subscribers we are offline, says goodbye nearby, stops everything. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.presence.goOffline().catch(() => undefined);
    this.closed = true;
    await Promise.all([...this.hosted].map((s) => s.close()));
    await this.pnm?.close();
    await this.server?.close();
  }

  private tlsIdentity(): TlsIdentity {
    const id = this.person.identity;
    return { cert: [id.certificatePem, ...id.chainPem].join("\n"), key: id.privateKeyPem };
  }

  /** The address session meshes use: the listen host, or the first advertised one for 0.0.0.0. */
  private meshHost(): string {
    const h = this.opts.listen?.host ?? "127.0.0.1";
    if (h !== "0.0.0.0" && h !== "::") return h;
    const first = this.endpointList[0];
    return first ? parseEndpoint(first).host : "127.0.0.1";
  }

  private async dispatch(frame: unknown, remote: string): Promise<unknown> {
    let msg: OpenedMessage;
    try {
      msg = openEnvelope(frame, { selfPin: this.person.pin, now: Date.now(), replay: this.replay });
    } catch (e) {
      // Unverifiable messages get no signed answer: the connection is just closed.
      this.emit("rejected", e);
      throw e;
    }
    let type: MessageType = "ack";
    let body: unknown = {};
    try {
      const r = this.handle(msg, remote);
      if (r) ({ type, body } = r);
    } catch (e) {
      type = "error";
      body = { message: e instanceof Error ? e.message : "error" };
    }
    return createEnvelope(this.person, this.endpointList, msg.from.pin, type, body, msg.id);
  }

  private handle(
    msg: OpenedMessage,
    remote: string,
  ): { type: MessageType; body: unknown } | undefined {
    switch (msg.type) {
      case "presence-subscribe":
        this.gate(msg.from);
        return this.presence.handle(msg, remote);
      case "presence-unsubscribe":
      case "presence-status":
        return this.presence.handle(msg, remote);
      case "host-request": {
        const b = msg.body as { applicationId?: unknown; message?: unknown } | null;
        const message = typeof b?.message === "string" ? b.message.slice(0, 1024) : "";
        const request: HostRequest = {
          from: msg.from,
          trust: this.gate(msg.from),
          applicationId: checkApplicationId(b?.applicationId),
          message,
        };
        if (!this.emit("hostRequest", request)) throw new CollabError("Refused", "not hosting");
        return undefined;
      }
      case "invite":
        return this.onInvite(msg);
      case "invite-cancel": {
        const inv = this.findReceived(msg);
        inv.markCancelled();
        return undefined;
      }
      case "session-start": {
        const inv = this.findReceived(msg);
        const creds = inv.markStarted();
        if (!creds) throw new CollabError("Refused", "invitation not accepted");
        this.emit("sessionStarted", inv, creds);
        return undefined;
      }
      case "invite-response": {
        const b = msg.body as { invitationId?: unknown; response?: unknown } | null;
        const id = b?.invitationId;
        const response = b?.response;
        if (typeof id !== "string" || (response !== "accepted" && response !== "declined")) {
          throw new CollabError("Malformed", "bad invitation response");
        }
        const session = [...this.hosted].find((s) => s.has(id));
        if (!session) throw new CollabError("Refused", "unknown invitation");
        if (!session.respond(id, msg.from, response as InvitationResponse)) {
          throw new CollabError("Refused", "invitation cancelled or already answered");
        }
        return undefined;
      }
      default:
        throw new CollabError("Refused", `unexpected ${msg.type}`);
    }
  }

  /**
   * A contact seen nearby at other endpoints: remember where they are now.
   * The announcement was signed by the contact's pinned key, so only they
   * can move their own entry.
   */
  private refreshContact(p: NearbyPerson): void {
    const contacts = this.opts.contacts;
    const known = contacts?.get(p.pin);
    if (!contacts || !known) return;
    if (
      known.endpoints.length === p.endpoints.length &&
      known.endpoints.every((e, i) => e === p.endpoints[i])
    ) {
      return;
    }
    contacts
      .add({ ...known, endpoints: [...p.endpoints], addedAt: Date.now() })
      .then(() => this.emit("contactUpdated", contacts.get(p.pin)))
      .catch((e) => this.emit("warning", e));
  }

  /** Trust decision for a sender; refuses untrusted ones when `acceptFrom` is `trusted`. */
  private gate(from: PeerRef): TrustDecision {
    const t = this.trust(from);
    if (t === "untrusted" && this.opts.acceptFrom === "trusted") {
      throw new CollabError("Untrusted", "only trusted people are accepted here");
    }
    return t;
  }

  private findReceived(msg: OpenedMessage): ReceivedInvitation {
    const id = (msg.body as { invitationId?: unknown } | null)?.invitationId;
    const inv = typeof id === "string" ? this.received.get(id) : undefined;
    // Only the host who sent an invitation may cancel or start it.
    if (!inv || inv.from.pin !== msg.from.pin)
      throw new CollabError("Refused", "unknown invitation");
    return inv;
  }

  private onInvite(msg: OpenedMessage): undefined {
    const trust = this.gate(msg.from);
    const body = parseInvitationBody(msg.body);
    if (body.expires <= Date.now()) throw new CollabError("Expired", "invitation expired");
    // Settled invitations are forgotten so the table stays bounded.
    for (const [id, inv] of this.received) if (inv.state !== "pending") this.received.delete(id);
    if (this.received.size >= (this.opts.maxPendingInvitations ?? 64)) {
      throw new CollabError("QuotaExceeded", "too many pending invitations");
    }
    if (this.received.has(body.invitationId))
      throw new CollabError("Refused", "duplicate invitation");
    const app = this.applications.get(body.applicationId);
    if (!app && this.listenerCount("invitation") === 0) {
      throw new CollabError("Refused", `no application ${body.applicationId}`);
    }
    const inv = new ReceivedInvitation(body, msg.from, trust, this);
    this.received.set(inv.id, inv);
    // The handler runs after the receipt is acknowledged; its answer is a separate message.
    setImmediate(() => {
      if (app) {
        Promise.resolve()
          .then(() => app.handler(inv))
          .catch((e) => this.emit("warning", e));
      } else this.emit("invitation", inv);
    });
    return undefined;
  }
}

function defaultEndpoints(host: string, port: number, scheme: EndpointScheme): string[] {
  if (host !== "0.0.0.0") return [formatEndpoint(host, port, scheme)];
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === "IPv4" && !a.internal) out.push(formatEndpoint(a.address, port, scheme));
    }
  }
  return out.slice(0, 8);
}
