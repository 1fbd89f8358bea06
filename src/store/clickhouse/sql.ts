/**
 * SQL text for ClickHouse, built one way only: the `sql` tagged template. Every interpolated
 * value goes through {@link literal} (the single escaping function of this backend) unless it is
 * itself a piece built by `sql` or an identifier checked by {@link ident}. ClickHouse 18.16 has
 * no query parameters (`{name:Type}` arrived in 19.x), so values are sent as literals; identifiers
 * (tables, columns, the database) are constants of this folder or names matching
 * {@link IDENT_RE}, never free input.
 *
 * String literals follow ClickHouse's rules: single quotes, with backslash and quote escaped by a
 * backslash (`'a\'b\\c'`); every other byte stands for itself.
 */

/** A piece of SQL text made by {@link sql}, {@link ident} or {@link raw} (never from input). */
export class Sql {
  /** @internal use the builders */
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** What may be interpolated into `sql`: values (escaped) and pieces of SQL (inserted as they are). */
export type SqlValue = Sql | string | number | bigint | boolean | null | undefined | readonly SqlValue[];

/** Names that may be used as identifiers (databases, clusters). */
export const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The ClickHouse literal of a value: strings quoted and escaped, finite numbers as they print,
 * booleans as 1/0, null/undefined as NULL, arrays as `[a, b]`. Throws on a non-finite number
 * (ClickHouse would read `NaN` as an identifier).
 */
export function literal(v: SqlValue): string {
  if (v instanceof Sql) return v.text;
  if (v === null || v === undefined) return 'NULL';
  switch (typeof v) {
    case 'string':
      return `'${v.replace(/[\\']/g, '\\$&')}'`;
    case 'number':
      if (!Number.isFinite(v)) throw new RangeError(`Cannot write ${v} into SQL: not a finite number`);
      return String(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? '1' : '0';
    default:
      if (Array.isArray(v)) return `[${(v as readonly SqlValue[]).map(literal).join(', ')}]`;
      throw new TypeError(`Cannot write a ${typeof v} into SQL`);
  }
}

/** Tagged template: `sql\`SELECT * FROM t WHERE a = ${x}\`` with `x` escaped by {@link literal}. */
export function sql(strings: TemplateStringsArray, ...values: SqlValue[]): Sql {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += literal(values[i]!) + strings[i + 1]!;
  return new Sql(out);
}

/** A backquoted identifier; the name must match {@link IDENT_RE}. */
export function ident(name: string): Sql {
  if (!IDENT_RE.test(name)) throw new RangeError(`Cannot use '${name}' as a ClickHouse identifier`);
  return new Sql(`\`${name}\``);
}

/** SQL text that is a constant of this folder (a table name, a column list): not for input. */
export function raw(text: string): Sql {
  return new Sql(text);
}

/** Pieces joined by a separator (`, `, ` AND ` ...). */
export function join(parts: readonly Sql[], sep: string): Sql {
  return new Sql(parts.map((p) => p.text).join(sep));
}
