/**
 * CSV as RFC 4180 writes it, for instrument points over HTTP and in the CLI: comma-separated
 * fields, `"` quoting with `""` for a quote, CRLF or LF line ends, an optional final line end.
 * A quoted field is kept apart from an unquoted one, so `""` (an empty string) and an empty
 * cell (NA) stay different. Malformed text is `HTTP_BODY_MALFORMED` (or the code asked for).
 */
import { KeeprError, type ErrorCode } from '../errors.js';

/** One field: its text and whether it was quoted. */
export interface CsvField {
  readonly text: string;
  readonly quoted: boolean;
}

/** Parses CSV text into rows of fields (an empty text is no rows; blank lines are refused). */
export function parseCsv(text: string, code: ErrorCode = 'HTTP_BODY_MALFORMED'): CsvField[][] {
  const rows: CsvField[][] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const bad = (why: string): KeeprError => new KeeprError(code, `CSV line ${line}: ${why}`, { details: { line } });
  while (i < n) {
    const row: CsvField[] = [];
    for (;;) {
      let field: CsvField;
      if (text[i] === '"') {
        let out = '';
        i++;
        for (;;) {
          if (i >= n) throw bad('a quoted field is not closed');
          const q = text.indexOf('"', i);
          if (q < 0) throw bad('a quoted field is not closed');
          out += text.slice(i, q);
          for (let k = i; k < q; k++) if (text.charCodeAt(k) === 10) line++;
          i = q + 1;
          if (text[i] === '"') {
            out += '"';
            i++;
            continue;
          }
          break;
        }
        field = { text: out, quoted: true };
      } else {
        let end = i;
        while (end < n && text[end] !== ',' && text[end] !== '\n' && text[end] !== '\r') {
          if (text[end] === '"') throw bad('a quote inside an unquoted field');
          end++;
        }
        field = { text: text.slice(i, end), quoted: false };
        i = end;
      }
      row.push(field);
      if (i >= n) break;
      const c = text[i];
      if (c === ',') {
        i++;
        continue;
      }
      if (c === '\r' && text[i + 1] === '\n') i += 2;
      else if (c === '\n') i++;
      else throw bad(`${JSON.stringify(c)} after a quoted field`);
      break;
    }
    if (row.length === 1 && row[0]!.text === '' && !row[0]!.quoted) throw bad('a blank line');
    rows.push(row);
    line++;
  }
  return rows;
}

/** A field as CSV: quoted when it holds a comma, quote, line end or leading/trailing space, or is empty text or `NA`. */
export function csvField(text: string | null): string {
  if (text === null) return '';
  if (text === '' || text === 'NA' || /[",\r\n]|^\s|\s$/.test(text)) return `"${text.replace(/"/g, '""')}"`;
  return text;
}

/** One CSV line (LF-terminated) of fields; null is an empty (NA) cell. */
export function csvLine(fields: readonly (string | null)[]): string {
  return `${fields.map(csvField).join(',')}\n`;
}

/** A field's cell for instrument values: an unquoted empty field or unquoted `NA` is NA (null). */
export function csvCell(field: CsvField): string | null {
  return !field.quoted && (field.text === '' || field.text === 'NA') ? null : field.text;
}
