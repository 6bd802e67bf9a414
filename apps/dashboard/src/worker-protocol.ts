import type { PeerNodeOptions } from "@prch/node";
import type { ActivityView, NodeView } from "./model.js";

/** Messages from the demo to a node process (over the fork IPC channel). */
export type ToWorker =
  | {
      readonly t: "open";
      readonly label: string;
      readonly meshName: string;
      readonly resolver: string;
      readonly config: PeerNodeOptions["config"];
    }
  | { readonly t: "burst"; readonly count: number }
  | { readonly t: "close" };

/** Messages from a node process to the demo. */
export type FromWorker =
  | { readonly t: "ready"; readonly view: NodeView }
  | { readonly t: "view"; readonly view: NodeView }
  | { readonly t: "activity"; readonly activity: ActivityView }
  | { readonly t: "error"; readonly message: string };
