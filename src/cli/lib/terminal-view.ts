/**
 * What `keepr get` and `keepr state get` print when stdout is a terminal, instead of binary
 * bytes: a block's JSON view, a text file's text, or for other files a summary line and how to
 * save them; for a raw-bytes state value its text, or a hex dump.
 */
import { blockToJSON, type Block } from '../../block/index.js';

/** True when `text` holds a control character a terminal would act on (escape, bell), other than tab and newlines. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/** True for a MIME type whose content is text: `text/*`, `application/json` or `…+json`. */
export function isTextMime(mime: string): boolean {
  const essence = (mime.split(';')[0] ?? '').trim().toLowerCase();
  return essence.startsWith('text/') || essence === 'application/json' || essence.endsWith('+json');
}

/** A word as the shell reads it: as is when safe, else single-quoted. */
export function shellWord(word: string): string {
  return /^[\w./:@%+=,-]+$/u.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * JSON indented by two spaces, as `JSON.stringify(value, null, 2)` but with an array kept on one
 * line when it fits in 100 columns or holds no arrays or objects (a tensor's rows stay rows).
 */
export function prettyJSON(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    const compact = JSON.stringify(value);
    if (indent.length + compact.length <= 100 || value.every((v) => v === null || typeof v !== 'object')) return compact;
    const inner = `${indent}  `;
    return `[\n${value.map((v) => `${inner}${prettyJSON(v, inner)}`).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    const inner = `${indent}  `;
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${prettyJSON(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** The content of a file block as text fit for a terminal, or why it is not. */
function terminalText(content: Uint8Array): { text: string } | { why: string } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    return { why: 'its content is not UTF-8 text' };
  }
  if (hasControl(text)) return { why: 'its text holds control characters' };
  return { text };
}

/** The command that writes what a terminal view stands for, e.g. `keepr get SOURCE KEY`, each word shell-quoted. */
export function commandLine(words: readonly string[]): string {
  return words.map(shellWord).join(' ');
}

/**
 * The terminal view of a block: the pretty-printed JSON view (as `blockToJSON` gives it); for a
 * file block of a text type, its text; for any other file block, one summary line and how the
 * command `save` (which reads the block) writes its content.
 */
export function terminalView(block: Block, save: string): string {
  if (!block.is('bytes')) return `${prettyJSON(blockToJSON(block))}\n`;
  const content = block.data();
  const mime = block.mime ?? 'application/octet-stream';
  let why = 'binary content is not printed on a terminal';
  if (isTextMime(mime)) {
    const shown = terminalText(content);
    if ('text' in shown) return withNewline(shown.text);
    why = `${shown.why}, so it is not printed on a terminal`;
  }
  return (
    `file block: ${mime}, ${content.length} bytes, hash ${block.hashHex}\n` +
    `${why}; save the content with: ${save} --raw > FILE  (or: ${save} --raw --output FILE)\n`
  );
}

/** Bytes a hex dump shows before it stops. */
const DUMP_BYTES = 4096;

/**
 * The terminal view of raw bytes (a state value): their text when they are UTF-8 without
 * terminal control characters, else a hex dump (offset, 16 bytes in hex, printable ASCII) of
 * the first 4 KiB, with how the command `save` writes them all.
 */
export function terminalBytesView(bytes: Uint8Array, save: string): string {
  const shown = terminalText(bytes);
  if ('text' in shown) return withNewline(shown.text);
  const lines: string[] = [];
  for (let at = 0; at < Math.min(bytes.length, DUMP_BYTES); at += 16) {
    const row = bytes.subarray(at, Math.min(at + 16, bytes.length));
    const hexes = Array.from(row, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${at.toString(16).padStart(8, '0')}  ${hexes.padEnd(47)}  |${ascii}|`);
  }
  const more = bytes.length > DUMP_BYTES ? `… ${bytes.length - DUMP_BYTES} more bytes\n` : '';
  return `${lines.join('\n')}${lines.length > 0 ? '\n' : ''}${more}${bytes.length} bytes (${shown.why}); write them with: ${save} -o FILE  (or: ${save} -o -)\n`;
}

/** Text ending in a newline (unless empty), so the prompt starts on a line of its own. */
function withNewline(text: string): string {
  return text.length === 0 || text.endsWith('\n') ? text : `${text}\n`;
}
