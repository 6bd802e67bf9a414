import { EventEmitter } from "node:events";
import { networkInterfaces } from "node:os";
import {
  type AddressOptions,
  addressKey,
  type InterfaceTable,
  localAddresses,
} from "./addresses.js";
import type { IpAddress } from "./ip.js";

/** Options of an {@link AddressMonitor}. */
export interface AddressMonitorOptions extends AddressOptions {
  /** Polling interval. Default 5000 ms. */
  readonly intervalMs?: number;
  /** Reads the interface table (injectable for tests). Default `os.networkInterfaces`. */
  readonly table?: () => InterfaceTable;
}

/** Events of an {@link AddressMonitor}. */
export interface AddressMonitorEvents {
  /** The published address list changed; `previous` is the list before. */
  changed: [addresses: readonly IpAddress[], previous: readonly IpAddress[]];
}

/**
 * Watches the host's addresses by polling the interface table. Node has no
 * portable change notification, so polling stands in for Windows'
 * NotifyAddrChange. On `changed`, a node updates its resolver registration
 * and pings its neighbors (WINDOWS-NOTES §1.4, "IP change").
 */
export class AddressMonitor extends EventEmitter<AddressMonitorEvents> {
  private readonly options: AddressMonitorOptions;
  private timer: NodeJS.Timeout | undefined;
  private last: readonly IpAddress[];
  private lastKey: string;

  constructor(options: AddressMonitorOptions = {}) {
    super();
    this.options = options;
    let first: IpAddress[] = [];
    try {
      first = this.read();
    } catch {
      // Start empty; the first successful poll reports the real list.
    }
    this.last = first;
    this.lastKey = addressKey(this.last);
  }

  /** The addresses as last seen. */
  get addresses(): readonly IpAddress[] {
    return this.last;
  }

  /** True while polling. */
  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Starts polling (the timer does not keep the process alive). */
  start(): void {
    if (this.timer !== undefined) return;
    const ms = this.options.intervalMs ?? 5000;
    this.timer = setInterval(() => this.check(), ms);
    this.timer.unref?.();
  }

  /** Stops polling. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads the table now; emits `changed` and returns true when the list differs. */
  check(): boolean {
    let now: IpAddress[];
    try {
      now = this.read();
    } catch {
      // A transiently unreadable table is not a change.
      return false;
    }
    const key = addressKey(now);
    if (key === this.lastKey) return false;
    const previous = this.last;
    this.last = now;
    this.lastKey = key;
    this.emit("changed", now, previous);
    return true;
  }

  private read(): IpAddress[] {
    const table = (this.options.table ?? networkInterfaces)();
    return localAddresses(this.options, table);
  }
}
