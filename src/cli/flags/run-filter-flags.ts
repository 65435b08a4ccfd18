import { InvalidArgumentError, type Command } from 'commander';
import { metadataValue } from '../../query/metadata-arguments';
import type { MetadataScalar, RunContextFilters } from '../../query/run-filter-types';

/**
 * The run filters every command that reads runs takes: --meta key=value (repeatable), --session, --conversation,
 * --error-contains. Keys and values are checked by the repository (exit 2 with its message); here only the shape.
 */
export function addRunFilterFlags(command: Command): Command {
  return command
    .option(
      '--meta <key=value>',
      'only runs whose metadata has this value; repeat for several (numbers, true and false match as such: ' +
        'key=\'"123"\' for the text)',
      collectMeta,
      [],
    )
    .option('--session <id>', 'only runs of this session')
    .option('--conversation <id>', 'only runs of this conversation')
    .option('--error-contains <text>', 'only runs whose error message or type contains this text, in any case');
}

/** commander's collector of --meta: the raw `key=value` texts, in order, each key once. */
function collectMeta(value: string, previous: string[]): string[] {
  const equals = value.indexOf('=');
  if (equals <= 0) throw new InvalidArgumentError('Expected key=value, e.g. repo=acme/api.');
  const key = value.slice(0, equals);
  if (previous.some((given) => given.slice(0, given.indexOf('=')) === key)) {
    throw new InvalidArgumentError(`The key ${key} is given twice.`);
  }
  return [...previous, value];
}

/** The run filters as the repository wants them. */
export function runFiltersOf(flags: Record<string, unknown>): RunContextFilters {
  const pairs = (flags.meta as string[] | undefined) ?? [];
  let metadata: Record<string, MetadataScalar> | undefined;
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    metadata ??= {};
    // defineProperty: a key such as __proto__ is a key like any other (the repository then judges it).
    Object.defineProperty(metadata, pair.slice(0, equals), {
      value: metadataValue(pair.slice(equals + 1)),
      enumerable: true,
    });
  }
  return {
    metadata,
    sessionId: flags.session as string | undefined,
    conversationId: flags.conversation as string | undefined,
    errorContains: flags.errorContains as string | undefined,
  };
}
