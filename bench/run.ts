import { benchDecorators } from './decorators';

const ns = (value: number) => `${(value / 1000).toFixed(2)} µs`;

async function main(): Promise<void> {
  console.log('agentspan benchmarks (one run; ratios are what to compare, absolute times vary with the machine)\n');

  const decorators = await benchDecorators();
  console.log('Decorator overhead, per call of an async method (fastest of 30 interleaved rounds of 5,000 calls)');
  console.table({
    'bare async method': { 'time per call': ns(decorators.bareNs) },
    'plain OTel startActiveSpan': { 'time per call': ns(decorators.plainSpanNs) },
    '@Trace (capture + redaction on)': { 'time per call': ns(decorators.decoratedNs) },
  });
  console.log(`@Trace / plain span = ${decorators.ratio.toFixed(2)}x (target <= 1.5x)\n`);
  console.log('With no OpenTelemetry SDK registered');
  console.table({
    'bare async method': { 'time per call': ns(decorators.bareNoSdkNs) },
    '@Trace, no SDK': { 'time per call': ns(decorators.decoratedNoSdkNs) },
  });
  console.log();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
