/** What the collector did with the requests it got (GET /healthz shows it). */
export interface CollectorStats {
  requests: number;
  /** Spans taken (queued for writing, or ignored as neither agentspan's nor GenAI spans). */
  spansAccepted: number;
  /** Of those, spans not stored because they are no agent, model, tool or task spans (HTTP, database, …). */
  spansIgnored: number;
  /** Spans refused one by one (bad ids, no start time): named in partial_success, never stored. */
  spansRejected: number;
  /** Requests answered 429 (queue full) or 503 (database unreachable, shutting down): their spans were not taken. */
  refused: { 429: number; 503: number };
  /** Requests refused for what they were: by HTTP status (400, 401, 403, 404, 405, 413, 415, 500). */
  failed: Record<string, number>;
}

export class CollectorCounters {
  requests = 0;
  unauthorized = 0;
  private spansAccepted = 0;
  private spansIgnored = 0;
  private spansRejected = 0;
  private readonly refusedByStatus = { 429: 0, 503: 0 };
  private readonly failedByStatus: Record<string, number> = {};

  accepted(spans: number, ignored: number, rejected: number): void {
    this.spansAccepted += spans;
    this.spansIgnored += ignored;
    this.spansRejected += rejected;
  }

  refused(status: 429 | 503): void {
    this.refusedByStatus[status]++;
  }

  failed(status: number): void {
    this.failedByStatus[status] = (this.failedByStatus[status] ?? 0) + 1;
  }

  snapshot(): CollectorStats {
    const failed = { ...this.failedByStatus };
    if (this.unauthorized > 0) failed.unauthorized = this.unauthorized;
    return {
      requests: this.requests,
      spansAccepted: this.spansAccepted,
      spansIgnored: this.spansIgnored,
      spansRejected: this.spansRejected,
      refused: { ...this.refusedByStatus },
      failed,
    };
  }
}
