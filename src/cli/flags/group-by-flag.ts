import { InvalidArgumentError, Option } from 'commander';

/**
 * --group-by: one of `choices`, or metadata.<key> (the repository checks the key). A word that is neither is refused
 * here, as commander refuses a value outside its choices (exit 2).
 */
export function groupByOption(choices: readonly string[]): Option {
  return new Option('--group-by <what>', `how to group: ${choices.join(', ')} or metadata.<key>`)
    .default('agent')
    .argParser((value: string) => {
      if (choices.includes(value) || value.startsWith('metadata.')) return value;
      throw new InvalidArgumentError(`Allowed choices are ${choices.join(', ')} or metadata.<key>.`);
    });
}
