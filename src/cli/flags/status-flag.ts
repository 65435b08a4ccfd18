import { Option } from 'commander';
import type { ExecutionStatus } from '../../query/types';

const STATUSES: readonly ExecutionStatus[] = ['running', 'completed', 'failed', 'cancelled', 'abandoned'];

/** --status <status>, one of the execution statuses (commander refuses any other with exit code 2). */
export function statusOption(description: string): Option {
  return new Option('--status <status>', description).choices(STATUSES);
}
