/** MIME types from file extensions, for `keepr put`, `keepr load-www` and the console installer. */
import { extname } from 'node:path';

/** MIME types of common file extensions (lower case, with the dot). */
export const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  '.html': 'text/html',
  '.htm': 'text/html',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.cjs': 'text/javascript',
  '.map': 'application/json',
  '.json': 'application/json',
  '.jsonld': 'application/ld+json',
  '.webmanifest': 'application/manifest+json',
  '.xml': 'application/xml',
  '.rss': 'application/rss+xml',
  '.atom': 'application/atom+xml',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.ics': 'text/calendar',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.wasm': 'application/wasm',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.tar': 'application/x-tar',
  '.parquet': 'application/vnd.apache.parquet',
  '.npy': 'application/x-npy',
  '.png': 'image/png',
  '.apng': 'image/apng',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.bmp': 'image/bmp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.ogg': 'audio/ogg',
  '.oga': 'audio/ogg',
  '.flac': 'audio/flac',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.ogv': 'video/ogg',
  '.vtt': 'text/vtt',
};

/** Fallback for unknown extensions. */
export const DEFAULT_MIME = 'application/octet-stream';

/** The MIME type for a file name, from its extension; octet-stream when unknown or stdin. */
export function guessMime(path: string | undefined): string {
  if (path === undefined || path === '-') return DEFAULT_MIME;
  return MIME_BY_EXTENSION[extname(path).toLowerCase()] ?? DEFAULT_MIME;
}

/** Types whose bytes are text, so a web page can name their charset. */
function isText(mime: string): boolean {
  return mime.startsWith('text/') || /^application\/(?:json|ld\+json|manifest\+json|xml|rss\+xml|atom\+xml|yaml)$/.test(mime) || mime === 'image/svg+xml';
}

/**
 * The MIME type a web server should send for a file: the guess from its extension, with
 * `; charset=utf-8` for text types (web sources are assumed to be UTF-8, as build tools write them).
 */
export function webMime(path: string): string {
  const mime = guessMime(path);
  return isText(mime) ? `${mime}; charset=utf-8` : mime;
}
