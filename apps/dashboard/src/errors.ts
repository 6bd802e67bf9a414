/** What went wrong, for {@link DashboardError}. */
export type DashboardErrorCode =
  | "BadRequest"
  | "Forbidden"
  | "NotFound"
  | "MethodNotAllowed"
  | "TooLarge"
  | "UnsupportedMediaType"
  | "Busy"
  | "Closed"
  | "WorkerFailed";

const STATUS: Record<DashboardErrorCode, number> = {
  BadRequest: 400,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  TooLarge: 413,
  UnsupportedMediaType: 415,
  Busy: 503,
  Closed: 503,
  WorkerFailed: 500,
};

/** The dashboard's one error type; `status` is the HTTP status it maps to. */
export class DashboardError extends Error {
  override readonly name = "DashboardError";
  readonly code: DashboardErrorCode;
  constructor(code: DashboardErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
  /** The HTTP status a request failing with this error gets. */
  get status(): number {
    return STATUS[this.code];
  }
}
