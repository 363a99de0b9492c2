import type { Config } from '../config/schema.js';

export interface TimestampServerConfig {
  url: string;
  minIntervalMs: number;
}

/** timestamp.servers with each server's minimum interval (its own, else the default), in config order. */
export function timestampServers(timestamp: Config['timestamp']): TimestampServerConfig[] {
  return timestamp.servers.map((s) =>
    typeof s === 'string'
      ? { url: s, minIntervalMs: timestamp.minIntervalSeconds * 1000 }
      : { url: s.url, minIntervalMs: s.minIntervalSeconds * 1000 },
  );
}

/**
 * An account in a server URL (https://user:token@tsa.example/) is a secret: its user and password,
 * as written and decoded, so neither spelling reaches a log.
 */
const MIN_QUERY_SECRET_LENGTH = 6;

export function urlSecrets(server: string): string[] {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return [];
  }
  // Query values may be API tokens. Short ones are left out: every "1" of the output would be
  // redacted for a "?v=1" (displayServer hides them all anyway).
  const query = [...url.searchParams.values()].filter((v) => v.length >= MIN_QUERY_SECRET_LENGTH);
  const rawQuery = url.search.slice(1).split('&').map((kv) => kv.slice(kv.indexOf('=') + 1)).filter((v) => v.length >= MIN_QUERY_SECRET_LENGTH);
  const parts = [url.username, url.password, ...query, ...rawQuery].filter(Boolean);
  return [...new Set(parts.flatMap((p) => [p, safeDecode(p)]))];
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
