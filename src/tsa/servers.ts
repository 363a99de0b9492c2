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
export function urlSecrets(server: string): string[] {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return [];
  }
  const parts = [url.username, url.password].filter(Boolean);
  return [...new Set(parts.flatMap((p) => [p, safeDecode(p)]))];
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
