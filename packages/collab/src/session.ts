import { randomBytes, randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { PeerNode } from "@prch/node";
import { ResolverService } from "@prch/resolver-prcr";
import { CollabError } from "./errors.js";
import type { PeerRef } from "./identity.js";
import {
  type InvitationResponse,
  MAX_INVITATION_MESSAGE,
  type SessionCredentials,
  sealCredentials,
} from "./invitations.js";
import type { Messenger } from "./messenger.js";

/** Where an invitation stands, as the host sees it. */
export type InvitationState = "pending" | "accepted" | "declined" | "cancelled" | "failed";

/** One invitee of a hosted session. */
export interface InvitationStatus {
  readonly invitationId: string;
  readonly peer: PeerRef;
  readonly state: InvitationState;
  /** Why it failed, for `failed`. */
  readonly error?: string;
  /** After this time (ms since the epoch) answers are refused. */
  readonly expires: number;
}

/** Options of {@link HostedSession.invite}. */
export interface InviteOptions {
  /** How long the invitation may be answered, ms (default 5 minutes). */
  readonly expiresInMs?: number;
  /** Delivery timeout, ms (default 10 000). */
  readonly timeoutMs?: number;
}

/** Where session meshes listen. */
export interface MeshListenOptions {
  /** Address the session's mesh node listens on (and publishes); default the collaboration host. */
  readonly host?: string;
}

/**
 * A session this person hosts: a fresh mesh (name and password made here)
 * with its own resolver run by the host, and the invitations sent for it.
 * Events: `response(status)` when an invitee answers.
 */
export class HostedSession extends EventEmitter {
  readonly id = randomUUID();
  readonly credentials: SessionCredentials;
  private readonly invites = new Map<string, InvitationStatus>();
  private node: PeerNode | undefined;
  private closed = false;

  /** @internal Use `collab.hostSession()`. */
  constructor(
    readonly applicationId: string,
    private readonly messenger: Messenger,
    private readonly resolver: ResolverService,
    resolverAddress: string,
    private readonly meshHost: string,
    private readonly onClose: (s: HostedSession) => void,
  ) {
    super();
    this.credentials = {
      sessionId: this.id,
      meshName: `collab-${randomBytes(8).toString("hex")}`,
      password: randomBytes(24).toString("base64url"),
      resolver: resolverAddress,
    };
  }

  /** @internal Starts the session's resolver. */
  static async create(
    applicationId: string,
    messenger: Messenger,
    host: string,
    onClose: (s: HostedSession) => void,
  ): Promise<HostedSession> {
    const resolver = new ResolverService({ host, port: 0 });
    const port = await resolver.listen();
    const h = host.includes(":") ? `[${host}]` : host;
    return new HostedSession(
      applicationId,
      messenger,
      resolver,
      `net.tcp://${h}:${port}/resolver`,
      host,
      onClose,
    );
  }

  /** Every invitation of this session. */
  invitations(): InvitationStatus[] {
    return [...this.invites.values()];
  }

  /** Invitations by state. */
  inState(state: InvitationState): InvitationStatus[] {
    return this.invitations().filter((i) => i.state === state);
  }

  /** @internal Whether this session sent `invitationId`. */
  has(invitationId: string): boolean {
    return this.invites.has(invitationId);
  }

  /**
   * Invites `peer`: sends an invitation carrying the application id, the
   * message and the mesh credentials sealed to the peer's certificate key,
   * signed by us. Resolves once delivered (state `pending`); on delivery
   * failure the state is `failed` and the promise rejects.
   */
  async invite(
    peer: PeerRef,
    message: string,
    opts: InviteOptions = {},
  ): Promise<InvitationStatus> {
    if (this.closed) throw new CollabError("Closed", "session closed");
    if (message.length > MAX_INVITATION_MESSAGE) {
      throw new CollabError("InvalidArgument", "invitation message too long");
    }
    if (this.invites.size >= 1024) throw new CollabError("QuotaExceeded", "too many invitations");
    const invitationId = randomUUID();
    const expires = Date.now() + (opts.expiresInMs ?? 5 * 60_000);
    const body = {
      invitationId,
      sessionId: this.id,
      applicationId: this.applicationId,
      message,
      expires,
      credentials: sealCredentials(this.credentials, invitationId, this.messenger.person, peer),
    };
    const status: InvitationStatus = { invitationId, peer, state: "pending", expires };
    this.invites.set(invitationId, status);
    try {
      await this.messenger.send(peer, "invite", body, opts.timeoutMs);
    } catch (e) {
      const failed: InvitationStatus = { ...status, state: "failed", error: (e as Error).message };
      this.invites.set(invitationId, failed);
      throw e;
    }
    return status;
  }

  /** @internal An invitee answered. Returns false if the invitation is no longer open. */
  respond(invitationId: string, from: PeerRef, response: InvitationResponse): boolean {
    const cur = this.invites.get(invitationId);
    if (!cur || cur.peer.pin !== from.pin) throw new CollabError("Refused", "unknown invitation");
    if (cur.state !== "pending" || Date.now() > cur.expires) return false;
    const next: InvitationStatus = { ...cur, state: response };
    this.invites.set(invitationId, next);
    this.emit("response", next);
    return true;
  }

  /**
   * Resolves when no invitation is pending any more, or after `timeoutMs`
   * (then some may still be pending: see {@link cancelOutstanding}).
   */
  waitForResponses(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.inState("pending").length === 0) {
          clearTimeout(timer);
          this.off("response", check);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        this.off("response", check);
        resolve();
      }, timeoutMs);
      this.on("response", check);
      check();
    });
  }

  /**
   * Waits up to `timeoutMs` for answers, then cancels whatever is still
   * pending. Resolves to every invitation's final state.
   */
  async collectResponses(timeoutMs: number): Promise<InvitationStatus[]> {
    await this.waitForResponses(timeoutMs);
    await this.cancelOutstanding();
    return this.invitations();
  }

  /** Withdraws every pending invitation (state `cancelled`) and tells the invitees, best effort. */
  async cancelOutstanding(): Promise<InvitationStatus[]> {
    const pending = this.inState("pending");
    const cancelled = pending.map((p) => {
      const c: InvitationStatus = { ...p, state: "cancelled" };
      this.invites.set(p.invitationId, c);
      return c;
    });
    await Promise.all(
      cancelled.map((c) =>
        this.messenger
          .send(c.peer, "invite-cancel", { invitationId: c.invitationId })
          .catch(() => undefined),
      ),
    );
    return cancelled;
  }

  /**
   * Starts the session: joins its mesh ourselves and tells everyone who
   * accepted (`session-start`), so they join too. Returns our mesh node.
   */
  async start(opts: MeshListenOptions = {}): Promise<PeerNode> {
    if (this.closed) throw new CollabError("Closed", "session closed");
    if (!this.node) {
      this.node = await PeerNode.open({
        meshName: this.credentials.meshName,
        resolver: this.credentials.resolver,
        security: { mode: "password", password: this.credentials.password },
        listen: { host: opts.host ?? this.meshHost },
      });
    }
    await Promise.all(
      this.inState("accepted").map((a) =>
        this.messenger
          .send(a.peer, "session-start", { invitationId: a.invitationId, sessionId: this.id })
          .catch(() => undefined),
      ),
    );
    return this.node;
  }

  /** The mesh node, once started. */
  get meshNode(): PeerNode | undefined {
    return this.node;
  }

  /** Leaves the mesh and stops the session's resolver. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
    await this.node?.close();
    await this.resolver.close();
  }
}
