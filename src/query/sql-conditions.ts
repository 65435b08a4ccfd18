/**
 * A WHERE clause under construction with numbered parameters: every user value goes through param(), so none is
 * ever spliced into the SQL text.
 */
export class SqlConditions {
  private readonly clauses: string[] = [];
  readonly parameters: unknown[] = [];

  /** Adds a value as the next $n parameter and returns its placeholder. */
  param(value: unknown): string {
    this.parameters.push(value);
    return `$${this.parameters.length}`;
  }

  add(clause: string): void {
    this.clauses.push(`(${clause})`);
  }

  /** `WHERE a AND b …`, or nothing when there are no clauses. */
  toSql(): string {
    return this.clauses.length === 0 ? '' : `WHERE ${this.clauses.join(' AND ')}`;
  }
}
