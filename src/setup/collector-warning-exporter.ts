import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { reasonOf, warnOnce } from '../export/first-failure-warnings';

/**
 * Passes spans to the OTLP exporter unchanged and, the first time the collector does not take them, prints a warning
 * (see warnOnce): a collector that is down or refuses spans is otherwise silent without a diag logger.
 */
export class CollectorWarningExporter implements SpanExporter {
  constructor(
    private readonly exporter: SpanExporter,
    private readonly warnings: boolean,
    /** The collector's endpoint, for the message (credentials in it are masked). */
    private readonly endpoint: string,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.exporter.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) {
        warnOnce(
          this.warnings,
          'AGENTSPAN_COLLECTOR_UNAVAILABLE',
          `agentspan could not export ${spans.length} span(s) to the OTLP collector at ${this.endpoint}: ` +
            `${result.error === undefined ? 'export failed' : reasonOf(result.error)}`,
        );
      }
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.exporter.forceFlush?.() ?? Promise.resolve();
  }
}

/** The traces endpoint the OTLP/HTTP exporter uses: the option, else the OTEL_EXPORTER_OTLP_* variables. */
export function otlpEndpoint(url: string | undefined): string {
  if (url !== undefined) return url;
  const traces = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (traces) return traces;
  const base = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return base ? `${base.replace(/\/$/, '')}/v1/traces` : 'http://localhost:4318/v1/traces';
}
