/** What went wrong, as a stable string the caller can switch on. */
export type MeshErrorCode =
  /** A configuration value is out of range or inconsistent. */
  | "bad-config"
  /** The host called the engine in a way the API does not allow (e.g. reused a connection id). */
  | "bad-call"
  /** The injected random source is broken (e.g. produced only zeros for a NodeId). */
  | "bad-random";

/** The one error class of `@prch/mesh-core`. Untrusted input never throws: it aborts the link. */
export class MeshError extends Error {
  readonly code: MeshErrorCode;
  constructor(code: MeshErrorCode, message: string) {
    super(message);
    this.name = "MeshError";
    this.code = code;
  }
}
