import 'reflect-metadata';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { callVariants, discard } from './call-variants';
import { compare } from './measure';

export interface DecoratorBenchResult {
  /** No OTel SDK registered: what instrumented code costs where nobody collects traces. */
  bareNoSdkNs: number;
  decoratedNoSdkNs: number;
  bareNs: number;
  plainSpanNs: number;
  decoratedNs: number;
  /** decorated / plain span: the target is at most 1.5 */
  ratio: number;
}

/**
 * One bare async method, the same method inside a plain `startActiveSpan` wrapper, and decorated with @Trace (default
 * capture and redaction on), all under a real SDK with a BatchSpanProcessor.
 */
export async function benchDecorators(
  options: { calls?: number; rounds?: number } = {},
): Promise<DecoratorBenchResult> {
  const variants = callVariants();
  const noSdk = await compare({ bare: variants.bare, decorated: variants.decorated }, options);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard)] });
  trace.setGlobalTracerProvider(provider);
  const result = await compare(variants, options);
  await provider.shutdown();
  trace.disable();
  context.disable();
  return {
    bareNoSdkNs: noSdk.bare,
    decoratedNoSdkNs: noSdk.decorated,
    bareNs: result.bare,
    plainSpanNs: result.plainSpan,
    decoratedNs: result.decorated,
    ratio: result.decorated / result.plainSpan,
  };
}

if (require.main === module) {
  void benchDecorators().then((r) => console.log(r));
}
