/**
 * Zeek TSV logs (Zeek's ASCII writer and c2hunt's own `--format zeek` output).
 *
 * Header lines (`#` first):
 * | header            | use                                                                     |
 * |-------------------|-------------------------------------------------------------------------|
 * | `#separator \x09` | field separator, `\xNN`-escaped; restarts the header (concatenated logs) |
 * | `#set_separator`  | separator of set/vector items                                           |
 * | `#empty_field`    | placeholder of an empty string/set/vector (`(empty)`)                   |
 * | `#unset_field`    | placeholder of an unset field (`-`)                                     |
 * | `#path`           | log path (which record kind; see zeek-fields.ts)                        |
 * | `#fields`         | field names, in any order; extra fields ignored, missing ones defaulted |
 * | `#types`, `#open`, `#close`, other `#` lines | ignored (conversions follow the field names) |
 *
 * Values: `\xNN` escapes undone in strings and set items; time as epoch seconds; bools `T`/`F`.
 * A data line whose field count differs from `#fields`, or that has a bad value, is a bad line.
 * Lines are walked with indexOf by a row builder compiled per header (zeek-fields.ts), no
 * regular expression and no split array per line.
 */
import type { LineReader, ReadContext } from './types.js';
import { LineError, zeekUnescape } from './values.js';
import {
  compileTsvRow, finishDraft, inferPath, type PathTarget, pathTarget, resolvePath, type TsvRow, type TsvSeparators,
} from './zeek-fields.js';

/** Fields a `#fields` header may declare (Zeek's widest logs have about 60). */
export const MAX_TSV_FIELDS = 1024;

/** Row builders compiled per (log path, #fields line), kept across files; at most this many. */
const MAX_COMPILED_ROWS = 256;
const compiled = new Map<string, TsvRow>();

/** The row builder of a log path and `#fields` line (compiled once, then cached). */
export function rowFor(t: PathTarget, fieldsLine: string, names: string[]): TsvRow {
  const key = t.path + '\n' + fieldsLine;
  let row = compiled.get(key);
  if (row === undefined) {
    if (compiled.size >= MAX_COMPILED_ROWS) compiled.delete(compiled.keys().next().value as string);
    row = compileTsvRow(names, t.fields);
    compiled.set(key, row);
  }
  return row;
}

/** What one header line did to the header state. */
export type HeaderEffect =
  /** `#separator`: everything restarts (a concatenated log). */
  | 'restart'
  /** `#set_separator`, `#empty_field`, `#unset_field`, `#path` or `#fields`: how lines read changed. */
  | 'changed'
  /** Any other `#` line (`#open`, `#types`, `#close`, a comment): nothing changes. */
  | 'ignored';

/**
 * The header state of a Zeek TSV file as its `#` lines are read: separators, placeholders, log
 * path and fields. One instance per file; {@link ZeekTsvReader} and the bulk planner
 * (zeek-bulk.ts) share it so both read headers the same way.
 */
export class ZeekTsvHeader {
  h: TsvSeparators = { sep: '\t', setSep: ',', empty: '(empty)', unset: '-' };
  headerPath: string | undefined;
  /** How the data lines are read (undefined: a log c2hunt does not read, or no #fields yet). */
  target: PathTarget | undefined;
  /** Log path whose lines are ignored (a log c2hunt does not read), when target is undefined. */
  ignoredPath = '';
  /** The `#fields` names, once seen. */
  names: string[] | undefined;
  /** The `#fields` line after its key (the compiled row builder's cache key). */
  fieldsLine = '';

  constructor(private readonly fileName: string) {}

  /** Apply one header line (text starting with `#`). Throws LineError for a bad header. */
  apply(text: string): HeaderEffect {
    if (text.startsWith('#separator')) {
      // "#separator \x09": the value follows one space (the separator is not known yet).
      const v = zeekUnescape(text.slice(11));
      if (v.length === 0) throw new LineError('empty #separator');
      this.h = { sep: v, setSep: ',', empty: '(empty)', unset: '-' };
      this.names = undefined;
      this.headerPath = undefined;
      return 'restart';
    }
    const sep = this.h.sep;
    const at = text.indexOf(sep);
    if (at < 0) return 'ignored'; // a comment
    const key = text.slice(1, at);
    const value = text.slice(at + sep.length);
    switch (key) {
      case 'set_separator':
        this.h.setSep = zeekUnescape(value) || ',';
        return 'changed';
      case 'empty_field':
        this.h.empty = zeekUnescape(value);
        return 'changed';
      case 'unset_field':
        this.h.unset = zeekUnescape(value);
        return 'changed';
      case 'path':
        this.headerPath = zeekUnescape(value);
        return 'changed';
      case 'fields': {
        const names = value.split(sep);
        if (names.length > MAX_TSV_FIELDS) throw new LineError(`#fields declares ${names.length} fields (limit ${MAX_TSV_FIELDS})`);
        const path = resolvePath(this.headerPath, this.fileName) ?? inferPath(names);
        this.target = path === undefined ? undefined : pathTarget(path);
        this.ignoredPath = path ?? 'unknown';
        this.names = names;
        this.fieldsLine = value;
        return 'changed';
      }
      default:
        return 'ignored';
    }
  }
}

/** Reads one Zeek TSV file. */
export class ZeekTsvReader implements LineReader {
  private readonly header: ZeekTsvHeader;
  private row: TsvRow | undefined;

  constructor(private readonly ctx: ReadContext) {
    this.header = new ZeekTsvHeader(ctx.fileName);
  }

  line(text: string): void {
    if (text.length === 0) return;
    const hd = this.header;
    if (text.charCodeAt(0) === 35 /* # */) {
      if (hd.apply(text) !== 'ignored') {
        this.row = hd.names !== undefined && hd.target !== undefined ? rowFor(hd.target, hd.fieldsLine, hd.names) : undefined;
      }
      return;
    }
    if (hd.names === undefined) throw new LineError('data line before the #fields header');
    const t = hd.target;
    if (t === undefined) {
      this.ctx.ignore('zeek:' + hd.ignoredPath);
      return;
    }
    finishDraft(t, this.row!(text, hd.h), this.ctx);
  }

  end(): void {}
}
