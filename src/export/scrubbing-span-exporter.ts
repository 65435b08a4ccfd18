import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { captureSettings } from '../capture/settings';
import { scrubSpan } from './scrub-span';

/**
 * Wraps any span exporter so that spans reach it scrubbed (see scrubSpan): the OTLP collector gets what PostgreSQL
 * gets, less the secrets, whoever made the span. startAgentTelemetry puts it in front of the OTLP exporter it sets
 * up; with your own NodeSDK, wrap yours:
 *
 *   new BatchSpanProcessor(new ScrubbingSpanExporter(new OTLPTraceExporter()))
 *
 * The redaction rules are the capture settings in force (configureCapture / startAgentTelemetry's `capture`). Fails
 * closed: a span that cannot be scrubbed (a redactor of yours threw) is not exported, and counted in `scrubFailed`.
 */
export class ScrubbingSpanExporter implements SpanExporter {
  private failed = 0;

  constructor(private readonly exporter: SpanExporter) {
    if (exporter === null || typeof exporter !== 'object' || typeof exporter.export !== 'function') {
      throw new TypeError('agentspan: ScrubbingSpanExporter expects a span exporter');
    }
  }

  /** Spans not exported because they could not be scrubbed. */
  get scrubFailed(): number {
    return this.failed;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const { redaction } = captureSettings();
    const scrubbed: ReadableSpan[] = [];
    for (const span of spans) {
      try {
        scrubbed.push(scrubSpan(span, redaction));
      } catch (error) {
        this.failed++;
        const reason = error instanceof Error ? error.message : 'unknown error';
        diag.warn(`agentspan: a span could not be scrubbed and was not exported (${reason})`);
      }
    }
    if (scrubbed.length === 0) {
      resultCallback({ code: ExportResultCode.SUCCESS });
      return;
    }
    this.exporter.export(scrubbed, resultCallback);
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.exporter.forceFlush?.() ?? Promise.resolve();
  }
}
