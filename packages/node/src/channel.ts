import { EventEmitter } from "node:events";
import type { MessageBody, ReceivedMessage } from "./message.js";
import { PeerNodeError } from "./errors.js";

/** Options of one send. */
export interface SendOptions {
  /** wsa:Action of the message; default `{channel URI}/Send`. */
  readonly action?: string;
  /**
   * Hop limit: the message travels at most this many links (the `Hops` header
   * in `ns/HopCount`, WINDOWS-NOTES §1.3). Unlimited when omitted.
   */
  readonly hops?: number | bigint;
}

/** Events of a {@link PeerChannel}. */
export interface PeerChannelEvents {
  message: [message: ReceivedMessage];
  closed: [];
}

/** The part of the node a channel needs; keeps the channel free of engine details. */
export interface ChannelHost {
  sendOnChannel(uri: string, body: MessageBody, options: SendOptions): void;
  closeChannel(channel: PeerChannel): void;
}

/** Messages that arrived while nobody iterated, kept for the iterator up to this many. */
const ITERATOR_BUFFER = 1024;

/**
 * One channel of a node, named by a `net.p2p://{mesh}/{path}` URI (the
 * PeerVia of its messages). Receive with `on("message")` or `for await`.
 */
export class PeerChannel
  extends EventEmitter<PeerChannelEvents>
  implements AsyncIterable<ReceivedMessage>
{
  readonly uri: string;
  private readonly host: ChannelHost;
  private open = true;
  private readonly waiting: ((r: IteratorResult<ReceivedMessage>) => void)[] = [];
  private readonly buffered: ReceivedMessage[] = [];
  private iterators = 0;

  /** @internal Created by {@link PeerNode.channel}. */
  constructor(uri: string, host: ChannelHost) {
    super();
    this.uri = uri;
    this.host = host;
  }

  /** True until {@link PeerChannel.close}. */
  get isOpen(): boolean {
    return this.open;
  }

  /**
   * Floods a message to every node of the mesh that has this channel.
   * Returns at once: the message is queued on every neighbor link. With no
   * neighbor, the message goes nowhere, as on Windows (WINDOWS-NOTES §1.3).
   */
  send(body: MessageBody, options: SendOptions = {}): void {
    if (!this.open) throw new PeerNodeError("Closed", `channel ${this.uri} is closed`);
    this.host.sendOnChannel(this.uri, body, options);
  }

  /** Stops receiving on this channel. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.host.closeChannel(this);
    for (const w of this.waiting.splice(0)) w({ done: true, value: undefined });
    this.emit("closed");
  }

  /** @internal Called by the node for each delivered message. */
  deliver(m: ReceivedMessage): void {
    this.emit("message", m);
    const w = this.waiting.shift();
    if (w !== undefined) w({ done: false, value: m });
    else if (this.iterators > 0 && this.buffered.length < ITERATOR_BUFFER) this.buffered.push(m);
  }

  [Symbol.asyncIterator](): AsyncIterator<ReceivedMessage> {
    this.iterators++;
    return {
      next: () => {
        const m = this.buffered.shift();
        if (m !== undefined) return Promise.resolve({ done: false, value: m });
        if (!this.open) return Promise.resolve({ done: true, value: undefined });
        return new Promise((resolve) => this.waiting.push(resolve));
      },
      return: () => {
        this.iterators--;
        if (this.iterators === 0) this.buffered.length = 0;
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }
}
