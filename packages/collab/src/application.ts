import { CollabError } from "./errors.js";
import type { ReceivedInvitation } from "./invitations.js";

/** Receives the invitations addressed to one application. */
export type InvitationHandler = (invitation: ReceivedInvitation) => void | Promise<void>;

/** An application registered for collaboration (PeerApplication in .NET). */
export interface CollabApplication {
  /** Stable id, e.g. a GUID: invitations name it. */
  readonly id: string;
  /** Human-readable name. */
  readonly name: string;
  readonly handler: InvitationHandler;
}

/** Checks an application id: 1–128 characters of `A–Z a–z 0–9 . _ : { } -`. */
export function checkApplicationId(id: unknown): string {
  if (typeof id !== "string" || !/^[A-Za-z0-9._:{}-]{1,128}$/.test(id)) {
    throw new CollabError(
      "InvalidArgument",
      "application id must be 1–128 of A–Z a–z 0–9 . _ : { } -",
    );
  }
  return id;
}

/** The applications invitations are routed to, by id. */
export class ApplicationRegistry {
  private readonly apps = new Map<string, CollabApplication>();

  /** Registers (or replaces) an application. */
  register(app: CollabApplication): void {
    checkApplicationId(app.id);
    if (typeof app.name !== "string" || app.name.length > 128) {
      throw new CollabError("InvalidArgument", "application name must be at most 128 characters");
    }
    this.apps.set(app.id, app);
  }

  /** Removes an application; true if it was registered. */
  unregister(id: string): boolean {
    return this.apps.delete(id);
  }

  get(id: string): CollabApplication | undefined {
    return this.apps.get(id);
  }

  list(): CollabApplication[] {
    return [...this.apps.values()];
  }
}
