/**
 * A small, bounded parser of STIX 2.1 patterns (STIX 2.1 part 9, "STIX Patterning"), enough to
 * pull the values an indicator compares out of `[ipv4-addr:value = '198.51.100.1' OR
 * domain-name:value = 'c2.example'] AND [file:hashes.'SHA-256' = '...']`.
 *
 * The pattern becomes an expression tree and then a disjunction of conjunctions (DNF): each clause
 * is a set of comparisons that together would satisfy the pattern. Observation operators
 * (AND, OR, FOLLOWEDBY) are folded into the same tree (FOLLOWEDBY as AND: order is not checked)
 * and qualifiers (WITHIN, REPEATS, START/STOP) are read and ignored. Every input-driven quantity
 * (length, tokens, nesting depth, clauses) has a limit and exceeding it is an error, not a hang.
 */

/** Longest pattern accepted (characters). */
export const MAX_PATTERN_CHARS = 65_536;
/** Most tokens in a pattern. */
export const MAX_PATTERN_TOKENS = 20_000;
/** Deepest nesting of brackets and parentheses. */
export const MAX_PATTERN_DEPTH = 32;
/** Most clauses after distributing AND over OR (a guard against exponential blow-up). */
export const MAX_PATTERN_CLAUSES = 1024;

/** A literal in a pattern (t'', h'', b'' literals keep their text). */
export type StixValue = string | number | boolean;

/** One comparison: `object-type:path op value(s)`. */
export interface Comparison {
  /** `ipv4-addr:value`, `file:hashes.SHA-256` (quotes removed). */
  path: string;
  /** `=`, `!=`, `<`, `>`, `<=`, `>=`, `IN`, `LIKE`, `MATCHES`, `ISSUBSET`, `ISSUPERSET`, `EXISTS`. */
  op: string;
  negated: boolean;
  values: StixValue[];
}

/** The expression tree of a pattern. */
export type PatternNode = { t: 'or' | 'and'; xs: PatternNode[] } | { t: 'cmp'; c: Comparison };

type Tok = { k: '[' | ']' | '(' | ')' | ',' } | { k: 'op'; v: string } | { k: 'kw'; v: string } | { k: 'path'; v: string } | { k: 'val'; v: StixValue };

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IN', 'LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET', 'EXISTS', 'FOLLOWEDBY', 'WITHIN', 'SECONDS', 'REPEATS', 'TIMES', 'START', 'STOP']);
const PATH_RE = /^([a-z0-9][a-z0-9-]*):((?:[A-Za-z0-9_]+|'(?:[^'\\]|\\.)*')(?:\.(?:[A-Za-z0-9_]+|'(?:[^'\\]|\\.)*')|\[(?:\d+|\*)\])*)/;

/** Error of a pattern, with the offset where it went wrong. */
export class PatternError extends Error {}

function quoted(src: string, i: number): { v: string; end: number } {
  let v = '';
  let j = i + 1;
  for (;;) {
    if (j >= src.length) throw new PatternError(`unterminated string at ${i}`);
    const ch = src[j]!;
    if (ch === '\\') {
      const nx = src[j + 1];
      if (nx !== "'" && nx !== '\\') throw new PatternError(`bad escape at ${j}`);
      v += nx;
      j += 2;
      continue;
    }
    if (ch === "'") return { v, end: j + 1 };
    v += ch;
    j++;
  }
}

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    if (out.length > MAX_PATTERN_TOKENS) throw new PatternError(`more than ${MAX_PATTERN_TOKENS} tokens`);
    const ch = src[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') { i++; continue; }
    if (ch === '[' || ch === ']' || ch === '(' || ch === ')' || ch === ',') { out.push({ k: ch }); i++; continue; }
    if (ch === '=' ) { out.push({ k: 'op', v: '=' }); i++; continue; }
    if (ch === '!' && src[i + 1] === '=') { out.push({ k: 'op', v: '!=' }); i += 2; continue; }
    if (ch === '<' || ch === '>') {
      if (src[i + 1] === '=') { out.push({ k: 'op', v: `${ch}=` }); i += 2; } else { out.push({ k: 'op', v: ch }); i++; }
      continue;
    }
    if (ch === "'") { const q = quoted(src, i); out.push({ k: 'val', v: q.v }); i = q.end; continue; }
    // t'2020-01-01T00:00:00Z', h'ff00', b'AAAA'
    if ((ch === 't' || ch === 'h' || ch === 'b') && src[i + 1] === "'") { const q = quoted(src, i + 1); out.push({ k: 'val', v: q.v }); i = q.end; continue; }
    const num = /^-?\d+(\.\d+)?/.exec(src.slice(i, i + 40));
    if (num !== null && (ch === '-' || /\d/.test(ch))) { out.push({ k: 'val', v: Number(num[0]) }); i += num[0].length; continue; }
    const rest = src.slice(i, i + 4096);
    const p = PATH_RE.exec(rest);
    if (p !== null) {
      const path = `${p[1]}:${p[2]!.replace(/'((?:[^'\\]|\\.)*)'/g, (_m, s: string) => s.replace(/\\(.)/g, '$1'))}`;
      out.push({ k: 'path', v: path });
      i += p[0].length;
      continue;
    }
    const w = /^[A-Za-z]+/.exec(rest);
    if (w !== null) {
      if (w[0] === 'true' || w[0] === 'false') out.push({ k: 'val', v: w[0] === 'true' });
      else if (KEYWORDS.has(w[0])) out.push({ k: 'kw', v: w[0] });
      else throw new PatternError(`unexpected word '${w[0].slice(0, 30)}' at ${i}`);
      i += w[0].length;
      continue;
    }
    throw new PatternError(`unexpected character '${ch}' at ${i}`);
  }
  return out;
}

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly toks: Tok[]) {}
  private peek(): Tok | undefined { return this.toks[this.i]; }
  private isKw(v: string): boolean { const t = this.peek(); return t?.k === 'kw' && t.v === v; }
  private expect(k: Tok['k']): Tok {
    const t = this.toks[this.i];
    if (t?.k !== k) throw new PatternError(`expected '${k}' at token ${this.i}${t ? `, found ${'v' in t ? String(t.v) : t.k}` : ' (end)'}`);
    this.i++;
    return t;
  }
  private enter(): void { if (++this.depth > MAX_PATTERN_DEPTH) throw new PatternError(`nesting deeper than ${MAX_PATTERN_DEPTH}`); }
  parse(): PatternNode {
    const n = this.observations();
    if (this.i < this.toks.length) throw new PatternError(`unexpected token at ${this.i}`);
    return n;
  }
  // Observation level: FOLLOWEDBY < OR < AND (FOLLOWEDBY treated as AND).
  private observations(): PatternNode {
    const xs = [this.obsOr()];
    while (this.isKw('FOLLOWEDBY')) { this.i++; xs.push(this.obsOr()); }
    return xs.length === 1 ? xs[0]! : { t: 'and', xs };
  }
  private obsOr(): PatternNode {
    const xs = [this.obsAnd()];
    while (this.isKw('OR')) { this.i++; xs.push(this.obsAnd()); }
    return xs.length === 1 ? xs[0]! : { t: 'or', xs };
  }
  private obsAnd(): PatternNode {
    const xs = [this.observation()];
    while (this.isKw('AND')) { this.i++; xs.push(this.observation()); }
    return xs.length === 1 ? xs[0]! : { t: 'and', xs };
  }
  private observation(): PatternNode {
    this.enter();
    let n: PatternNode;
    const t = this.peek();
    if (t?.k === '[') { this.i++; n = this.cmpOr(); this.expect(']'); }
    else if (t?.k === '(') { this.i++; n = this.observations(); this.expect(')'); }
    else throw new PatternError(`expected '[' or '(' at token ${this.i}`);
    this.qualifiers();
    this.depth--;
    return n;
  }
  private qualifiers(): void {
    for (;;) {
      if (this.isKw('WITHIN')) { this.i++; this.expect('val'); this.kw('SECONDS'); }
      else if (this.isKw('REPEATS')) { this.i++; this.expect('val'); this.kw('TIMES'); }
      else if (this.isKw('START')) { this.i++; this.expect('val'); this.kw('STOP'); this.expect('val'); }
      else return;
    }
  }
  private kw(v: string): void {
    if (!this.isKw(v)) throw new PatternError(`expected ${v} at token ${this.i}`);
    this.i++;
  }
  private cmpOr(): PatternNode {
    const xs = [this.cmpAnd()];
    while (this.isKw('OR')) { this.i++; xs.push(this.cmpAnd()); }
    return xs.length === 1 ? xs[0]! : { t: 'or', xs };
  }
  private cmpAnd(): PatternNode {
    const xs = [this.test()];
    while (this.isKw('AND')) { this.i++; xs.push(this.test()); }
    return xs.length === 1 ? xs[0]! : { t: 'and', xs };
  }
  private test(): PatternNode {
    const t = this.peek();
    if (t?.k === '(') {
      this.enter();
      this.i++;
      const n = this.cmpOr();
      this.expect(')');
      this.depth--;
      return n;
    }
    if (this.isKw('EXISTS')) { this.i++; const p = this.expect('path') as { v: string }; return { t: 'cmp', c: { path: p.v, op: 'EXISTS', negated: false, values: [] } }; }
    const path = (this.expect('path') as { v: string }).v;
    let negated = false;
    if (this.isKw('NOT')) { negated = true; this.i++; }
    const op = this.peek();
    if (op?.k === 'op') {
      this.i++;
      return { t: 'cmp', c: { path, op: op.v, negated, values: [(this.expect('val') as { v: StixValue }).v] } };
    }
    if (op?.k === 'kw' && ['LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET'].includes(op.v)) {
      this.i++;
      return { t: 'cmp', c: { path, op: op.v, negated, values: [(this.expect('val') as { v: StixValue }).v] } };
    }
    if (op?.k === 'kw' && op.v === 'IN') {
      this.i++;
      this.expect('(');
      const values: StixValue[] = [(this.expect('val') as { v: StixValue }).v];
      while (this.peek()?.k === ',') { this.i++; values.push((this.expect('val') as { v: StixValue }).v); }
      this.expect(')');
      return { t: 'cmp', c: { path, op: 'IN', negated, values } };
    }
    throw new PatternError(`expected a comparison operator after ${path}`);
  }
}

/** The expression tree of a pattern; throws PatternError with the reason. */
export function parsePattern(pattern: string): PatternNode {
  if (pattern.length > MAX_PATTERN_CHARS) throw new PatternError(`pattern longer than ${MAX_PATTERN_CHARS} characters`);
  return new Parser(tokenize(pattern)).parse();
}

/**
 * The pattern as a disjunction of conjunctions: any one clause (all of its comparisons) satisfies
 * it. `x IN (a, b)` becomes `x = a OR x = b`. Throws PatternError when the clauses would exceed
 * MAX_PATTERN_CLAUSES.
 */
export function toClauses(n: PatternNode): Comparison[][] {
  switch (n.t) {
    case 'cmp':
      if (n.c.op === 'IN' && !n.c.negated) return n.c.values.map((v) => [{ path: n.c.path, op: '=', negated: false, values: [v] }]);
      return [[n.c]];
    case 'or': {
      const out: Comparison[][] = [];
      for (const x of n.xs) {
        out.push(...toClauses(x));
        if (out.length > MAX_PATTERN_CLAUSES) throw new PatternError(`more than ${MAX_PATTERN_CLAUSES} alternatives`);
      }
      return out;
    }
    case 'and': {
      let acc: Comparison[][] = [[]];
      for (const x of n.xs) {
        const cs = toClauses(x);
        if (acc.length * cs.length > MAX_PATTERN_CLAUSES) throw new PatternError(`more than ${MAX_PATTERN_CLAUSES} alternatives`);
        acc = acc.flatMap((a) => cs.map((c) => [...a, ...c]));
      }
      return acc;
    }
  }
}

/** A comparison as text (for the `condition` of an indicator). */
export function comparisonText(c: Comparison): string {
  const v = c.values.map((x) => (typeof x === 'string' ? `'${x}'` : String(x)));
  return `${c.path}${c.negated ? ' NOT' : ''} ${c.op}${c.op === 'EXISTS' ? '' : ` ${c.op === 'IN' ? `(${v.join(', ')})` : v[0]}`}`;
}
