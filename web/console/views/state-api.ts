/** The versioned-state answers of the HTTP API (docs/http-api.md#versioned-state) the state views read. */
import { api, pathOf } from '../lib/api.js';

/** `GET /v1/states/{state}` */
export interface StateSummary {
  readonly state: string;
  readonly latest: number | null;
  readonly prunedBefore: number;
  readonly root: string | null;
  readonly trees: Readonly<Record<string, string>>;
}

/** An item of `GET /v1/states/{state}/heights`. */
export interface HeightItem {
  readonly height: number;
  readonly root: string;
  readonly changes: number;
}

/** `GET /v1/states/{state}/heights/{height}` */
export interface HeightRecord extends HeightItem {
  readonly trees: Readonly<Record<string, string>>;
}

/** A value in JSON: exactly one of these (blocks as `blockBase64` when `encoding=base64`). */
export interface JsonValue {
  readonly bytes?: string;
  readonly block?: unknown;
  readonly blockBase64?: string;
}

/** `GET …/trees/{tree}/keys/{key}` */
export interface KeyRead extends JsonValue {
  readonly height: number;
  readonly root: string;
  readonly tree: string;
  readonly found: boolean;
  readonly proof?: string;
}

/** An item of `GET …/trees/{tree}/entries` (keys in base64url when asked so). */
export interface TreeEntry extends JsonValue {
  readonly key?: string;
  readonly keyHex?: string;
}

/** The path of a state's API resource. */
export function statePath(state: string, rest = ''): string {
  return `/v1/states/${encodeURIComponent(state)}${rest}`;
}

/** The summary of one state. */
export function stateSummary(state: string, signal: AbortSignal): Promise<StateSummary> {
  return api<StateSummary>(statePath(state), { signal });
}

/** One height's record. */
export function heightRecord(state: string, height: number | 'latest', signal: AbortSignal): Promise<HeightRecord> {
  return api<HeightRecord>(statePath(state, `/heights/${height}`), { signal });
}

/** The path of a key read: the key in base64url so that any bytes pass. */
export function keyReadPath(state: string, height: number, tree: string, key: Uint8Array, query: string): string {
  return statePath(state, `/heights/${height}/trees/${pathOf(tree)}/keys/${base64url(key)}?keyEncoding=base64url&${query}`);
}

function base64url(bytes: Uint8Array): string {
  let raw = '';
  for (const byte of bytes) raw += String.fromCharCode(byte);
  return btoa(raw).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Every entry of a tree at a height, up to `cap` (keys base64url, values base64); null when over the cap. */
export async function allEntries(state: string, height: number, tree: string, cap: number, signal: AbortSignal): Promise<Map<string, string> | null> {
  const out = new Map<string, string>();
  let cursor: string | null = null;
  do {
    const query: string = `keyEncoding=base64url&encoding=base64&limit=10000${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const page: { items: TreeEntry[]; cursor: string | null } = await api(statePath(state, `/heights/${height}/trees/${pathOf(tree)}/entries?${query}`), { signal });
    for (const item of page.items) out.set(item.key ?? '', item.bytes !== undefined ? `b:${item.bytes}` : `k:${item.blockBase64 ?? ''}`);
    if (out.size > cap) return null;
    cursor = page.cursor;
  } while (cursor !== null);
  return out;
}
