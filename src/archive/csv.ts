/**
 * CSV for the archive files (docs/archive-format.md): RFC 4180 records, fields quoted only when they
 * hold a comma, quote or line break, inner quotes doubled. The reader is incremental (feed it chunks,
 * it calls back per record with the line the record starts on), accepts `\n` and `\r\n` line ends and
 * a leading UTF-8 BOM (spreadsheet exports), and reports broken quoting per record instead of throwing.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export interface CsvRecord {
  /** 1-based line of the file on which the record starts (the header is line 1). */
  line: number;
  fields: string[];
  /** Set when the record's quoting is broken; `fields` is then unreliable. */
  error?: CsvSyntaxError;
}

export interface CsvSyntaxError {
  /** 0-based index of the field where the quoting broke. */
  column: number;
  message: string;
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/** CSV field as the archive writes it: quoted when it holds a comma, quote or line break. */
export function csvField(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(fields: readonly (string | number)[]): string {
  return fields.map(csvField).join(',') + '\n';
}

/**
 * Incremental CSV parser. `push(text)` any number of times, then `end()`. Records are delivered to
 * `onRecord` in order. A blank last line (the file ending in `\n`) is not a record; blank lines
 * elsewhere are records with one empty field (the importer reports them).
 */
export class CsvReader {
  private fields: string[] = [];
  private field = '';
  private inQuotes = false;
  /** The current field started with a quote and the closing quote has been seen. */
  private afterQuote = false;
  private quotedField = false;
  private error: CsvSyntaxError | undefined;
  private quoteLine = 1;
  private line = 1;
  private recordLine = 1;
  private recordStarted = false;
  private pendingCr = false;
  /** A quote ended the previous chunk inside a quoted field: a doubled quote or the closing one. */
  private maybeDoubled = false;
  private first = true;

  constructor(private readonly onRecord: (r: CsvRecord) => void) {}

  push(text: string): void {
    let i = 0;
    const n = text.length;
    if (this.first && n > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) i = 1;
    }
    while (i < n) {
      const c = text.charCodeAt(i);
      if (this.pendingCr) {
        this.pendingCr = false;
        if (c !== LF) this.addChar('\r');
      }
      if (this.inQuotes) {
        if (c === QUOTE) {
          if (i + 1 < n) {
            if (text.charCodeAt(i + 1) === QUOTE) {
              this.field += '"';
              i += 2;
              continue;
            }
            this.inQuotes = false;
            this.afterQuote = true;
            i++;
            continue;
          }
          // Quote at the end of the chunk: decide with the next chunk.
          this.inQuotes = false;
          this.afterQuote = true;
          this.maybeDoubled = true;
          i++;
          continue;
        }
        // Fast path: copy up to the next quote.
        const q = text.indexOf('"', i);
        const end = q < 0 ? n : q;
        const part = text.slice(i, end);
        for (let k = 0; k < part.length; k++) if (part.charCodeAt(k) === LF) this.line++;
        this.field += part;
        i = end;
        continue;
      }
      if (this.maybeDoubled) {
        this.maybeDoubled = false;
        if (c === QUOTE) {
          this.field += '"';
          this.inQuotes = true;
          this.afterQuote = false;
          i++;
          continue;
        }
      }
      if (c === COMMA) {
        this.endField();
        i++;
        continue;
      }
      if (c === LF) {
        this.endRecord();
        this.line++;
        this.recordLine = this.line;
        i++;
        continue;
      }
      if (c === CR) {
        if (i + 1 < n) {
          if (text.charCodeAt(i + 1) === LF) {
            i++;
            continue;
          }
        } else {
          this.pendingCr = true;
          i++;
          continue;
        }
      }
      if (c === QUOTE) {
        this.recordStarted = true;
        if (this.field.length === 0 && !this.afterQuote && !this.quotedField) {
          this.inQuotes = true;
          this.quotedField = true;
          this.quoteLine = this.line;
        } else {
          this.fail('quote inside an unquoted field (quote the whole field and double inner quotes)');
          this.field += '"';
        }
        i++;
        continue;
      }
      if (this.afterQuote) this.fail('text after the closing quote');
      // Fast path: copy plain characters up to the next special one.
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === COMMA || d === LF || d === CR || d === QUOTE) break;
        j++;
      }
      this.field += text.slice(i, j);
      this.recordStarted = true;
      i = j;
    }
  }

  end(): void {
    if (this.pendingCr) {
      this.pendingCr = false;
      this.addChar('\r');
    }
    this.maybeDoubled = false;
    if (this.inQuotes) {
      this.fail(`unterminated quoted field (opened on line ${this.quoteLine})`);
      this.inQuotes = false;
    }
    if (this.recordStarted || this.fields.length > 0 || this.field.length > 0) this.endRecord();
  }

  private addChar(s: string): void {
    if (this.afterQuote) this.fail('text after the closing quote');
    this.field += s;
    this.recordStarted = true;
  }

  private fail(message: string): void {
    this.error ??= { column: this.fields.length, message };
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
    this.afterQuote = false;
    this.quotedField = false;
    this.recordStarted = true;
  }

  private endRecord(): void {
    this.fields.push(this.field);
    const rec: CsvRecord = { line: this.recordLine, fields: this.fields };
    if (this.error) rec.error = this.error;
    this.fields = [];
    this.field = '';
    this.afterQuote = false;
    this.quotedField = false;
    this.error = undefined;
    this.recordStarted = false;
    this.onRecord(rec);
  }
}

/** The file could not be decoded as UTF-8 (at about `line`). */
export class CsvEncodingError extends Error {
  constructor(readonly line: number) {
    super('not valid UTF-8');
  }
}

/** Offset of the first byte that is not part of valid UTF-8 in `b` (b.length when all valid; truncated tails count as valid). */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) {
      if (i + k >= b.length) return b.length;
      if ((b[i + k]! & 0xc0) !== 0x80) return i;
    }
    i += n + 1;
  }
  return b.length;
}

/**
 * Reads a CSV file synchronously in 1 MiB chunks (constant memory) and calls `onRecord` per record.
 * Invalid UTF-8 throws `CsvEncodingError` with the line of the first bad byte.
 */
export function readCsvFile(file: string, onRecord: (r: CsvRecord) => void, chunkSize = 1 << 20): void {
  const reader = new CsvReader(onRecord);
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const buf = Buffer.allocUnsafe(chunkSize);
  const fd = openSync(file, 'r');
  let lfs = 0;
  try {
    for (;;) {
      const got = readSync(fd, buf, 0, chunkSize, null);
      const chunk = buf.subarray(0, got);
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: got > 0 });
      } catch {
        const bad = Math.min(firstInvalidUtf8(chunk), got);
        let n = 0;
        for (let i = 0; i < bad; i++) if (chunk[i] === 10) n++;
        throw new CsvEncodingError(1 + lfs + n);
      }
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lfs++;
      if (text) reader.push(text);
      if (got === 0) break;
    }
  } finally {
    closeSync(fd);
  }
  reader.end();
}
