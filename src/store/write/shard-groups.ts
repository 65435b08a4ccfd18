/** Seeds (parallel arrays of trace and span ids) split by the groups of their traces, in the groups' order. */
export function seedsByGroup(
  groups: readonly string[][],
  [traceIds, spanIds]: readonly [readonly string[], readonly string[]],
): Array<[string[], string[], string[]]> {
  const groupOf = new Map<string, number>();
  groups.forEach((group, index) => group.forEach((traceId) => groupOf.set(traceId, index)));
  const split = groups.map((group): [string[], string[], string[]] => [[], [], group]);
  for (let i = 0; i < traceIds.length; i++) {
    const target = split[groupOf.get(traceIds[i]!)!]!;
    target[0].push(traceIds[i]!);
    target[1].push(spanIds[i]!);
  }
  return split.filter(([seedTraces]) => seedTraces.length > 0);
}
