import { readFile } from "node:fs/promises";
import {
  Collab,
  CollabError,
  type ContactManager,
  createPerson,
  type HostedSession,
  type HostRequest,
  type InvitationStatus,
  loadPerson,
  type NearbyPerson,
  type PeerRef,
  type PresenceState,
  type PresenceStatus,
  type Person,
  type ReceivedInvitation,
  type SessionCredentials,
  savePerson,
} from "@prch/collab";
import type { PeerNode, ReceivedMessage } from "@prch/node";
import type { CollabArgs } from "./args.js";

/** Where the CLI writes: one line per event, machine-readable first word. */
export type Out = (line: string) => void;

/** Makes or loads the person of this run. */
export async function personFor(args: CollabArgs): Promise<Person> {
  if (!args.identity) return createPerson(args.name);
  try {
    const p = await loadPerson(args.identity);
    return p.displayName === args.name ? p : { ...p, displayName: args.name };
  } catch (e) {
    if (!(e instanceof CollabError) || e.code !== "Storage") throw e;
    const p = await createPerson(args.name);
    await savePerson(p, args.identity);
    return p;
  }
}

/** The interactive session: People Near Me, invitations, presence and chat. */
export class CollabCli {
  private hosted: HostedSession | undefined;
  private node: PeerNode | undefined;
  private meshName: string | undefined;
  private lastInvitation: ReceivedInvitation | undefined;

  constructor(
    readonly collab: Collab,
    private readonly args: CollabArgs,
    private readonly contacts: ContactManager | undefined,
    private readonly out: Out,
  ) {
    const pnm = collab.nearMe;
    pnm?.on("appeared", (p: NearbyPerson) =>
      out(`appeared ${p.displayName} ${p.endpoints.join(" ")}`),
    );
    pnm?.on("disappeared", (p: NearbyPerson, why: string) =>
      out(`disappeared ${p.displayName} ${why}`),
    );
    pnm?.on("rejected", (why: string, from: string) =>
      out(`rejected announcement ${why} from ${from}`),
    );
    collab.on("rejected", (e: Error) =>
      out(`rejected message ${(e as CollabError).code ?? ""} ${e.message}`),
    );
    collab.on("warning", (e: Error) => out(`warning ${e.message}`));
    collab.on("hostRequest", (r: HostRequest) =>
      out(
        `host-request from ${r.from.displayName} (${r.trust}) app=${r.applicationId}: ${r.message}`,
      ),
    );
    collab.presence.on("changed", (p: PeerRef, s: PresenceStatus) =>
      out(`presence ${p.displayName} ${s.state}${s.note ? ` ${s.note}` : ""}`),
    );
    collab.applications.register({
      id: args.app,
      name: "prch-collab chat",
      handler: (inv) => this.onInvitation(inv),
    });
  }

  private async onInvitation(inv: ReceivedInvitation): Promise<void> {
    this.lastInvitation = inv;
    this.out(
      `invitation from ${inv.from.displayName} (${inv.trust}) app=${inv.applicationId}: ${inv.message}`,
    );
    inv.on("cancelled", () => this.out(`invitation-cancelled by ${inv.from.displayName}`));
    inv.on("started", (c: SessionCredentials) => {
      void this.join(c);
    });
    if (this.args.auto === "accept") await this.answer(true);
    else if (this.args.auto === "decline") await this.answer(false);
  }

  private async answer(accept: boolean): Promise<void> {
    const inv = this.lastInvitation;
    if (!inv) return this.out("error no invitation");
    try {
      if (accept) await inv.accept();
      else await inv.decline();
      this.out(`answered ${accept ? "accepted" : "declined"}`);
    } catch (e) {
      this.out(`error ${(e as Error).message}`);
    }
  }

  private async join(c: SessionCredentials): Promise<void> {
    try {
      this.node = await this.collab.joinSession(c);
      this.attach(c.meshName);
      this.out(`joined ${c.meshName}`);
    } catch (e) {
      this.out(`error joining: ${(e as Error).message}`);
    }
  }

  private attach(meshName: string): void {
    this.meshName = meshName;
    const node = this.node;
    if (!node) return;
    node
      .channel(`net.p2p://${meshName}/chat`)
      .on("message", (m: ReceivedMessage) => this.out(`chat ${m.text()}`));
    node.on("neighborAdded", () => this.out("neighbor-added"));
  }

  /**
   * Finds someone by display name. Names are self-chosen, so a contact (whose
   * key we pinned) wins over people nearby, and two nearby people with the
   * same name are refused as ambiguous rather than picking one.
   */
  private find(name: string): PeerRef | undefined {
    const lower = name.toLowerCase();
    const contact = this.contacts?.list().find((c) => c.displayName.toLowerCase() === lower);
    if (contact) {
      // Prefer the endpoints announced nearby right now, if the same key is here.
      return this.collab.nearby().find((p) => p.pin === contact.pin) ?? contact;
    }
    const near = this.collab.nearby().filter((p) => p.displayName.toLowerCase() === lower);
    if (near.length > 1) {
      throw new CollabError("InvalidArgument", `${near.length} people nearby are called ${name}`);
    }
    return near[0];
  }

  /** Runs one command line. Returns false on `quit`. */
  async command(line: string): Promise<boolean> {
    const trimmed = line.trim();
    if (trimmed === "") return true;
    const [cmd = "", ...rest] = trimmed.split(/\s+/);
    const arg = rest.join(" ");
    const [first = "", ...more] = rest;
    const tail = more.join(" ");
    const peer = () => {
      const p = this.find(first);
      if (!p)
        throw new CollabError("InvalidArgument", `nobody called ${first} nearby or in contacts`);
      return p;
    };
    try {
      switch (cmd) {
        case "quit":
          return false;
        case "nearby": {
          const list = this.collab.nearby();
          this.out(`nearby ${list.length}${list.map((p) => ` ${p.displayName}`).join("")}`);
          break;
        }
        case "request":
          await this.collab.requestHost(peer(), this.args.app, tail);
          this.out(`requested ${first}`);
          break;
        case "host": {
          this.hosted = await this.collab.hostSession(this.args.app);
          this.hosted.on("response", (s: InvitationStatus) =>
            this.out(`response ${s.peer.displayName} ${s.state}`),
          );
          this.out(`hosting ${this.hosted.credentials.meshName}`);
          break;
        }
        case "invite": {
          const s = this.requireHosted();
          await s.invite(peer(), tail || `join ${this.collab.person.displayName}'s session`);
          this.out(`invited ${first}`);
          break;
        }
        case "wait": {
          await this.requireHosted().waitForResponses(Math.min(Number(arg) || 0, 600_000));
          this.out("waited");
          break;
        }
        case "invitations":
          for (const s of this.requireHosted().invitations())
            this.out(`invitation-state ${s.peer.displayName} ${s.state}`);
          break;
        case "cancel": {
          const c = await this.requireHosted().cancelOutstanding();
          this.out(`cancelled ${c.map((x) => x.peer.displayName).join(" ")}`.trim());
          break;
        }
        case "start": {
          const s = this.requireHosted();
          this.node = await s.start();
          this.attach(s.credentials.meshName);
          this.out(
            `started ${s.credentials.meshName} with ${s
              .inState("accepted")
              .map((x) => x.peer.displayName)
              .join(" ")}`,
          );
          break;
        }
        case "accept":
          await this.answer(true);
          break;
        case "decline":
          await this.answer(false);
          break;
        case "status":
          await this.collab.presence.publish(first as PresenceState, tail);
          this.out(`status ${first}`);
          break;
        case "subscribe": {
          const s = await this.collab.presence.subscribe(peer());
          this.out(`subscribed ${first} ${s.state}`);
          break;
        }
        case "card":
          this.out(
            `card ${JSON.stringify(JSON.parse(this.contacts?.exportCard(this.collab.person, this.collab.endpoints) ?? "{}"))}`,
          );
          break;
        case "import": {
          if (!this.contacts) throw new CollabError("InvalidArgument", "no contacts file");
          const c = await this.contacts.importCard(await readFile(arg, "utf8"));
          this.out(`imported ${c.displayName}`);
          break;
        }
        case "contacts":
          for (const c of this.contacts?.list() ?? [])
            this.out(`contact ${c.displayName} ${c.pin}`);
          break;
        case "say":
          await this.say(arg);
          break;
        default:
          await this.say(trimmed);
      }
    } catch (e) {
      this.out(`error ${(e as Error).message}`);
    }
    return true;
  }

  private async say(text: string): Promise<void> {
    if (!this.node || !this.meshName) throw new CollabError("InvalidArgument", "not in a session");
    await this.node
      .channel(`net.p2p://${this.meshName}/chat`)
      .send(`${this.collab.person.displayName}: ${text}`);
    this.out(`said ${text}`);
  }

  private requireHosted(): HostedSession {
    if (!this.hosted) throw new CollabError("InvalidArgument", "host a session first");
    return this.hosted;
  }

  /** Leaves the session mesh and stops collaboration. */
  async close(): Promise<void> {
    if (this.node && this.node !== this.hosted?.meshNode) await this.node.close();
    await this.hosted?.close();
    await this.collab.close();
  }
}

/** Starts collaboration with the command-line settings. */
export async function startCollab(
  args: CollabArgs,
  contacts: ContactManager | undefined,
  nearMe = true,
): Promise<Collab> {
  return Collab.start({
    person: await personFor(args),
    contacts,
    listen: { host: args.host, port: args.port },
    nearMe: nearMe
      ? { group: args.group, port: args.pnmPort, interface: args.iface, intervalMs: args.interval }
      : false,
  });
}
