import { EventEmitter } from "node:events";
import { checkApplicationId } from "./application.js";
import type { TrustDecision } from "./contacts.js";
import { CollabError } from "./errors.js";
import type { PeerRef, Person } from "./identity.js";
import type { Messenger } from "./messenger.js";
import { openSealed, type SealedBox, sealTo } from "./seal.js";

/** Longest invitation message, characters. */
export const MAX_INVITATION_MESSAGE = 1024;

/** What an invitee needs to join a session's mesh. Travels sealed to the invitee's key. */
export interface SessionCredentials {
  readonly sessionId: string;
  readonly meshName: string;
  readonly password: string;
  /** net.tcp address of the session's resolver (run by the host). */
  readonly resolver: string;
}

/** An invitee's answer. */
export type InvitationResponse = "accepted" | "declined";

/** The body of an `invite` message. */
export interface InvitationBody {
  readonly invitationId: string;
  readonly sessionId: string;
  readonly applicationId: string;
  readonly message: string;
  readonly expires: number;
  readonly credentials: SealedBox;
}

/** Authenticated data binding sealed credentials to one invitation, host and invitee. */
export function credentialsAad(invitationId: string, hostPin: string, inviteePin: string): string {
  return `prch-collab/invite\n${invitationId}\n${hostPin}\n${inviteePin}`;
}

/** Seals session credentials to the invitee. */
export function sealCredentials(
  creds: SessionCredentials,
  invitationId: string,
  host: Person,
  invitee: PeerRef,
): SealedBox {
  return sealTo(
    invitee.certificatePem,
    Buffer.from(JSON.stringify(creds), "utf8"),
    credentialsAad(invitationId, host.pin, invitee.pin),
  );
}

const ID = /^[A-Za-z0-9-]{1,64}$/;

/** Validates an `invite` body read from the network. */
export function parseInvitationBody(body: unknown): InvitationBody {
  const b = body as Partial<InvitationBody> | null;
  if (
    !b ||
    typeof b !== "object" ||
    typeof b.invitationId !== "string" ||
    !ID.test(b.invitationId) ||
    typeof b.sessionId !== "string" ||
    !ID.test(b.sessionId) ||
    typeof b.message !== "string" ||
    b.message.length > MAX_INVITATION_MESSAGE ||
    typeof b.expires !== "number" ||
    !b.credentials ||
    typeof b.credentials !== "object"
  ) {
    throw new CollabError("Malformed", "not an invitation");
  }
  return { ...b, applicationId: checkApplicationId(b.applicationId) } as InvitationBody;
}

function parseCredentials(bytes: Uint8Array): SessionCredentials {
  let c: Partial<SessionCredentials>;
  try {
    c = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (e) {
    throw new CollabError("Malformed", "sealed credentials are not JSON", { cause: e });
  }
  if (
    typeof c.sessionId !== "string" ||
    typeof c.meshName !== "string" ||
    c.meshName.length > 128 ||
    typeof c.password !== "string" ||
    c.password.length > 256 ||
    typeof c.resolver !== "string" ||
    !/^net\.tcp:\/\/[^\s]{1,200}$/.test(c.resolver)
  ) {
    throw new CollabError("Malformed", "bad session credentials");
  }
  return {
    sessionId: c.sessionId,
    meshName: c.meshName,
    password: c.password,
    resolver: c.resolver,
  };
}

/** State of a received invitation. */
export type ReceivedInvitationState = "pending" | "accepted" | "declined" | "cancelled" | "expired";

/**
 * An invitation someone sent us (.NET's PeerInvitation as seen by the
 * invitee). Answer it with {@link accept} or {@link decline}. Events:
 * `cancelled` (the host withdrew it) and `started(credentials)` (the host
 * started the session after we accepted).
 */
export class ReceivedInvitation extends EventEmitter {
  readonly id: string;
  readonly sessionId: string;
  readonly applicationId: string;
  readonly message: string;
  readonly expires: number;
  /** The host who invited us (verified signature). */
  readonly from: PeerRef;
  /** Whether our contacts / CA trust the host's certificate. */
  readonly trust: TrustDecision;
  private stateValue: ReceivedInvitationState = "pending";
  private credentials: SessionCredentials | undefined;
  private readonly sealed: SealedBox;

  /** @internal */
  constructor(
    body: InvitationBody,
    from: PeerRef,
    trust: TrustDecision,
    private readonly messenger: Messenger,
  ) {
    super();
    this.id = body.invitationId;
    this.sessionId = body.sessionId;
    this.applicationId = body.applicationId;
    this.message = body.message;
    this.expires = body.expires;
    this.from = from;
    this.trust = trust;
    this.sealed = body.credentials;
  }

  get state(): ReceivedInvitationState {
    if (this.stateValue === "pending" && Date.now() > this.expires) return "expired";
    return this.stateValue;
  }

  /**
   * Accepts: unseals the session credentials (proving they were meant for
   * us), tells the host, and returns them. Join the mesh with
   * `collab.joinSession(credentials)` now or when `started` fires.
   */
  async accept(): Promise<SessionCredentials> {
    this.checkPending();
    const me = this.messenger.person;
    const creds = parseCredentials(
      openSealed(
        me.identity.privateKeyPem,
        this.sealed,
        credentialsAad(this.id, this.from.pin, me.pin),
      ),
    );
    if (creds.sessionId !== this.sessionId) {
      throw new CollabError("Malformed", "credentials belong to another session");
    }
    await this.answer("accepted");
    this.credentials = creds;
    return creds;
  }

  /** Declines the invitation. */
  async decline(): Promise<void> {
    this.checkPending();
    await this.answer("declined");
  }

  private checkPending(): void {
    const s = this.state;
    if (s !== "pending") throw new CollabError("Refused", `invitation is ${s}`);
  }

  private async answer(response: InvitationResponse): Promise<void> {
    try {
      await this.messenger.send(this.from, "invite-response", { invitationId: this.id, response });
    } catch (e) {
      if (e instanceof CollabError && /cancelled/.test(e.message)) this.markCancelled();
      throw e;
    }
    this.stateValue = response;
  }

  /** @internal The host withdrew the invitation. */
  markCancelled(): void {
    if (this.stateValue !== "pending") return;
    this.stateValue = "cancelled";
    this.emit("cancelled");
  }

  /** @internal The host started the session. Returns undefined if we had not accepted. */
  markStarted(): SessionCredentials | undefined {
    if (this.stateValue !== "accepted" || !this.credentials) return undefined;
    this.emit("started", this.credentials);
    return this.credentials;
  }
}
