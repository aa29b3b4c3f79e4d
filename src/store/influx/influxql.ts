/**
 * InfluxQL text: quoting and the few conditions the store builds. Tag filters are ORs of equalities
 * (`"mid" = '1' OR "mid" = '2'`), which InfluxDB answers from its series index; a regex alternation
 * would be matched against every value of the tag. Time is always an AND'ed range or equality:
 * InfluxQL 1.x cannot OR time conditions (such a query answers nothing).
 */

/** A double-quoted identifier. */
export const ident = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** A single-quoted string literal (backslash, quote and newline escaped). */
export const lit = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;

/** `("tag" = 'a' OR "tag" = 'b')`. */
export function anyOf(tag: string, values: readonly (string | number)[]): string {
  return `(${values.map((v) => `${ident(tag)} = ${lit(String(v))}`).join(' OR ')})`;
}

/** `time >= <from>ms AND time < <to>ms`. */
export const timeRange = (from: number, to: number): string => `time >= ${Math.trunc(from)}ms AND time < ${Math.trunc(to)}ms`;

export const selectList = (cols: readonly string[]): string => cols.map(ident).join(', ');

/** Splits a list into chunks of at most `n`. */
export function chunks<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}
