import type { ColumnType, WrittenColumn } from '../schema/column';
import type { CopyBinaryRows } from './copy-binary';

/**
 * Straight-line functions over a column table, built once per table with `new Function`: one call site per column,
 * so V8 inlines each reader as if the fields were written out by hand. A loop over the same readers has one call site
 * for all columns (and, building objects, one store by name for all keys): measured per span, binary COPY encoding
 * took 7 % longer and the upsert payload 40 % longer that way. The generated source holds only indexes, the COPY
 * method of each type and SQL column names (checked against SQL_NAME); readers are passed in as values.
 *
 * Where code generation from strings is disallowed (node --disallow-code-generation-from-strings), the loops are
 * used: the same output, a little slower. `compile: false` asks for them (tests compare both).
 */

/** Appends the fields of one row to binary COPY rows. */
export type FieldWriter<A extends unknown[]> = (rows: CopyBinaryRows, ...args: A) => void;

/**
 * A writer of `columns` into COPY rows, in order: each column's reader gets the writer's arguments after `rows`, and
 * its value goes to the CopyBinaryRows method of its type.
 */
export function fieldWriter<A extends unknown[]>(
  columns: readonly Pick<WrittenColumn<A>, 'type' | 'read'>[],
  compile = true,
): FieldWriter<A> {
  const readers = columns.map((column) => column.read);
  const methods = columns.map((column) => COPY_METHODS[column.type]);
  if (compile) {
    const calls = methods.map((method, i) => `rows.${method}(readers[${i}](${PARAMETERS}));`);
    const compiled = compileFunction<FieldWriter<A>>(readers, `(rows, ${PARAMETERS}) => {\n${calls.join('\n')}\n}`);
    if (compiled !== undefined) return compiled;
  }
  return (rows, ...args) => {
    for (let i = 0; i < readers.length; i++) {
      (rows[methods[i]!] as (value: unknown) => void).call(rows, readers[i]!(...args));
    }
  };
}

/**
 * A key of built objects and where its value comes from: the builder's arguments, or with `of` the argument at that
 * index alone, the value null when that argument is (a performance column of a span without performance).
 */
export type ObjectField<A extends unknown[]> =
  | { readonly key: string; readonly read: (...args: A) => unknown; readonly of?: undefined }
  | { readonly key: string; readonly read: (arg: never) => unknown; readonly of: number };

/**
 * A builder of objects with the given keys, in order, each set to its reader's value (a null as undefined, which
 * JSON.stringify leaves out). Every object it builds has the same shape.
 */
export function objectBuilder<A extends unknown[]>(
  fields: readonly ObjectField<A>[],
  compile = true,
): (...args: A) => Record<string, unknown> {
  const readers = fields.map((field) => field.read as (...args: unknown[]) => unknown);
  const keys = fields.map((field) => checkedKey(field.key));
  const sources = fields.map((field) => field.of);
  if (compile) {
    const entries = keys.map((key, i) => {
      const source = sources[i];
      if (source === undefined) return `${key}: readers[${i}](${PARAMETERS}) ?? undefined`;
      const arg = PARAMETERS[source];
      if (arg === undefined) {
        throw new Error(`agentspan: argument ${source} is past the builder's ${PARAMETERS.length}`);
      }
      return `${key}: ${arg} === null ? undefined : readers[${i}](${arg}) ?? undefined`;
    });
    const compiled = compileFunction<(...args: A) => Record<string, unknown>>(
      readers,
      `(${PARAMETERS}) => ({\n${entries.join(',\n')}\n})`,
    );
    if (compiled !== undefined) return compiled;
  }
  return (...args) => {
    const object: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) {
      const source = sources[i];
      const value =
        source === undefined ? readers[i]!(...args) : args[source] === null ? null : readers[i]!(args[source]);
      object[keys[i]!] = value ?? undefined;
    }
    return object;
  };
}

/** The function `source` evaluates to, with `readers` in scope; undefined where code generation is disallowed. */
function compileFunction<F>(readers: readonly unknown[], source: string): F | undefined {
  try {
    return new Function('readers', `'use strict';\nreturn ${source};`)(readers) as F;
  } catch (error) {
    if (error instanceof EvalError) return undefined;
    throw error;
  }
}

/**
 * The arguments a compiled function passes on to readers: named, not spread (a rest parameter costs an array per
 * call). Builders take at most this many.
 */
const PARAMETERS = ['a', 'b', 'c', 'd'] as const;

/** What a generated key may be: an SQL column name, or one of the payload's own keys. */
const SQL_NAME = /^[a-z_][a-z0-9_]*$/;

function checkedKey(key: string): string {
  if (!SQL_NAME.test(key)) throw new Error(`agentspan: not a column name: ${JSON.stringify(key)}`);
  return key;
}

/** The CopyBinaryRows method that writes each type (its binary form, with NULL for null). */
const COPY_METHODS = {
  text: 'text',
  jsonb: 'jsonb',
  timestamptz: 'timestamptz',
  float8: 'float8',
  int4: 'int4',
  int8: 'int8',
  numeric: 'numeric',
  bool: 'bool',
} as const satisfies Record<ColumnType, keyof CopyBinaryRows>;
