import { connect, createServer, type Socket } from "node:net";
import { type BenchCase, type BenchOptions, type BenchReport, runBench } from "@prch/bench";
import { KnownEncoding, Mode, NmfInitiator, NmfReceiver, type NmfSession } from "@prch/nmf";

/** Options of {@link runNmfBench}. */
export interface NmfBenchOptions {
  /** Envelope payload size in bytes (default 1024). */
  readonly messageSize?: number;
  /** Messages sent per measured run (default 1000). */
  readonly batch?: number;
  /** Harness overrides (samples, durations, JSON path, printer). */
  readonly harness?: Partial<BenchOptions>;
}

type Sink = (bytes: Buffer) => void;

/** One end of the loopback pair: whatever arrives goes to the current sink. */
class End {
  sink: Sink = () => {};
  constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on("data", (b: Buffer) => this.sink(b));
  }
}

async function socketPair(): Promise<[End, End]> {
  return new Promise((resolve, reject) => {
    const server = createServer((accepted) => {
      server.close();
      resolve([new End(client), new End(accepted)]);
    });
    server.once("error", reject);
    let client: Socket;
    server.listen(0, "127.0.0.1", () => {
      const a = server.address();
      client = connect(typeof a === "object" && a ? a.port : 0, "127.0.0.1");
      client.once("error", reject);
    });
  });
}

/**
 * The baseline: a 4-byte little-endian length before each message, parsed
 * incrementally with the same copy-out semantics as the NMF decoder (each
 * message handed over as its own array).
 */
class LengthPrefixedReader {
  private parts: Buffer[] = [];
  private queued = 0;
  constructor(private readonly onMessage: (m: Uint8Array) => void) {}

  push(bytes: Buffer): void {
    this.parts.push(bytes);
    this.queued += bytes.length;
    // Bounded: each iteration consumes one whole message or returns.
    for (;;) {
      if (this.queued < 4) return;
      const head = this.peek(4);
      const size = head.readUInt32LE(0);
      if (this.queued < 4 + size) return;
      const all = this.take(4 + size);
      this.onMessage(new Uint8Array(all.subarray(4)));
    }
  }

  private peek(n: number): Buffer {
    const first = this.parts[0]!;
    return first.length >= n ? first : Buffer.concat(this.parts).subarray(0, n);
  }

  private take(n: number): Buffer {
    const joined = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    const out = joined.subarray(0, n);
    const rest = joined.subarray(n);
    this.parts = rest.length > 0 ? [rest] : [];
    this.queued -= n;
    return out;
  }
}

function frame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.set(payload, 4);
  return out;
}

/** Sends `batch` messages from `from` to `to` and resolves when all have arrived. */
function transfer(
  from: End,
  to: End,
  batch: number,
  send: () => void,
  install: (done: () => void) => Sink,
): Promise<void> {
  return new Promise((resolve) => {
    to.sink = install(resolve);
    from.socket.cork();
    for (let i = 0; i < batch; i++) send();
    from.socket.uncork();
  });
}

/**
 * Measures 1 KB (by default) envelopes per second through our framing, each
 * way over one loopback TCP connection, next to a bare length-prefixed
 * baseline on the same sockets. The NMF cases run a Duplex session that
 * stays open for the whole benchmark, as a Peer Channel neighbor link would.
 */
export async function runNmfBench(options: NmfBenchOptions = {}): Promise<BenchReport> {
  const size = options.messageSize ?? 1024;
  const batch = options.batch ?? 1000;
  const payload = new Uint8Array(size).map((_, i) => (i * 31) & 0xff);
  const [a, b] = await socketPair();

  const initiator = new NmfInitiator({
    mode: Mode.Duplex,
    via: "net.tcp://127.0.0.1/bench",
    encoding: KnownEncoding.Soap12BinarySession,
    maxMessageSize: Math.max(65536, size),
  });
  const receiver = new NmfReceiver({ maxMessageSize: Math.max(65536, size) });
  await handshake(a, b, initiator, receiver);

  const nmfSink = (session: NmfSession) => (done: () => void) => {
    let count = 0;
    return (bytes: Buffer) => {
      for (const e of session.receive(bytes)) {
        if (e.type === "envelope" && ++count === batch) done();
        else if (e.type === "error") throw e.error;
      }
    };
  };
  const baselineSink = (done: () => void) => {
    let count = 0;
    const reader = new LengthPrefixedReader(() => {
      if (++count === batch) done();
    });
    return (bytes: Buffer) => reader.push(bytes);
  };
  const nmfSend = (session: NmfSession, end: End) => () => {
    session.sendEnvelope(payload);
    end.socket.write(session.takeOutput());
  };
  const baselineSend = (end: End) => () => {
    end.socket.write(frame(payload));
  };

  const cases = (from: End, to: End, sender: NmfSession, peer: NmfSession): BenchCase[] => [
    {
      name: "length-prefixed baseline",
      bytes: size,
      opsPerRun: batch,
      run: () => transfer(from, to, batch, baselineSend(from), baselineSink),
    },
    {
      name: "nmf sized envelopes",
      bytes: size,
      opsPerRun: batch,
      run: () => transfer(from, to, batch, nmfSend(sender, from), nmfSink(peer)),
    },
  ];

  // Framing CPU alone, without sockets: the same encode + incremental
  // decode, 1000 messages per run fed in 64 KB slices.
  const memI = new NmfInitiator({ mode: Mode.Duplex, via: "net.tcp://h/", encoding: 8 });
  const memR = new NmfReceiver({ maxMessageSize: Math.max(65536, size) });
  memI.start();
  memR.receive(memI.takeOutput());
  memI.receive(memR.takeOutput());
  const slices = (parts: Uint8Array[]) => {
    const all = Buffer.concat(parts);
    const out: Buffer[] = [];
    for (let at = 0; at < all.length; at += 65536) out.push(all.subarray(at, at + 65536));
    return out;
  };
  const inMemory: BenchCase[] = [
    {
      name: "length-prefixed baseline",
      bytes: size,
      opsPerRun: batch,
      run: () => {
        const frames: Uint8Array[] = [];
        for (let i = 0; i < batch; i++) frames.push(frame(payload));
        let n = 0;
        const reader = new LengthPrefixedReader(() => n++);
        for (const s of slices(frames)) reader.push(s);
        if (n !== batch) throw new Error("baseline lost messages");
      },
    },
    {
      name: "nmf sized envelopes",
      bytes: size,
      opsPerRun: batch,
      run: () => {
        const frames: Uint8Array[] = [];
        for (let i = 0; i < batch; i++) {
          memI.sendEnvelope(payload);
          frames.push(memI.takeOutput());
        }
        let n = 0;
        for (const s of slices(frames)) {
          for (const e of memR.receive(s)) if (e.type === "envelope") n++;
        }
        if (n !== batch) throw new Error("nmf lost messages");
      },
    },
  ];

  try {
    return await runBench(
      "nmf-framing",
      [
        {
          title: `initiator → receiver, ${size} B`,
          reference: "length-prefixed baseline",
          cases: cases(a, b, initiator, receiver),
        },
        {
          title: `receiver → initiator, ${size} B`,
          reference: "length-prefixed baseline",
          cases: cases(b, a, receiver, initiator),
        },
        {
          title: `in memory, no sockets, ${size} B`,
          reference: "length-prefixed baseline",
          cases: inMemory,
        },
      ],
      options.harness,
    );
  } finally {
    a.socket.destroy();
    b.socket.destroy();
  }
}

/** Runs the Duplex preamble over the real sockets. */
async function handshake(a: End, b: End, initiator: NmfInitiator, receiver: NmfReceiver) {
  await new Promise<void>((resolve, reject) => {
    let done = 0;
    const check = (events: { type: string }[]) => {
      for (const e of events) {
        if (e.type === "preambleComplete" && ++done === 2) resolve();
        if (e.type === "error" || e.type === "closed") reject(new Error(`handshake: ${e.type}`));
      }
    };
    b.sink = (bytes) => {
      check(receiver.receive(bytes));
      if (receiver.hasOutput) b.socket.write(receiver.takeOutput());
    };
    a.sink = (bytes) => check(initiator.receive(bytes));
    initiator.start();
    a.socket.write(initiator.takeOutput());
  });
}
