import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AgentSpanProcessor } from '../../src/export/agent-span-processor';
import { createStoreFixture, type StoreFixture } from './store-fixture';

/** A migrated test database, an AgentSpanProcessor writing to it, and the same spans kept in memory for ids. */
export interface ProcessorFixture {
  readonly store: StoreFixture;
  readonly processor: AgentSpanProcessor;
  readonly exporter: InMemorySpanExporter;
  close(): Promise<void>;
}

export async function createProcessorFixture(): Promise<ProcessorFixture> {
  const store = await createStoreFixture();
  const processor = new AgentSpanProcessor({ dataSource: store.dataSource, queue: { flushIntervalMs: 50 } });
  const exporter = new InMemorySpanExporter();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [processor, new SimpleSpanProcessor(exporter)] }),
  );
  return {
    store,
    processor,
    exporter,
    async close() {
      await processor.shutdown();
      await store.close();
    },
  };
}
