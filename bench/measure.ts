/**
 * CPU time per call of an async function, in ns. CPU time rather than wall time: on a shared machine another
 * process's work stretches wall time but not the CPU time this process spends on the calls.
 */
export async function timePerCall(fn: () => Promise<unknown>, calls: number): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) await fn();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1_000) / calls;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Runs the variants round-robin in short rounds so machine noise hits them alike, and returns each one's fastest
 * round (ns per call): on a shared machine the minimum is the figure least disturbed by other processes.
 */
export async function compare(
  variants: Record<string, () => Promise<unknown>>,
  { calls = 5_000, rounds = 30, settle }: { calls?: number; rounds?: number; settle?: () => Promise<void> } = {},
): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = {};
  for (const name of Object.keys(variants)) {
    samples[name] = [];
    await timePerCall(variants[name], calls / 4); // warm-up
  }
  for (let round = 0; round < rounds; round++) {
    for (const [name, fn] of Object.entries(variants)) {
      samples[name].push(await timePerCall(fn, calls));
      await settle?.(); // untimed: work the variants leave behind (a processor's writes) is done between rounds
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, Math.min(...values)]));
}
