import { loadConfig, locateConfig } from '../../config/load.js';
import { DEFAULT_TIMESTAMP_SERVERS } from '../../config/schema.js';
import { selectTimestampServers, type TimestampServerSelection } from '../../tsa/probe.js';
import { displayServer } from '../../signing/failover.js';
import { timestampServers } from '../../tsa/servers.js';

export interface TsaProbeOptions {
  cwd: string;
  config?: string;
  servers: string[];
  timeoutSeconds?: number;
  signal: AbortSignal;
}

/**
 * Servers to probe: --server flags, else timestamp.servers of release.yaml, else the public
 * defaults. With --server flags, release.yaml is read only when --config names it: probing a
 * server must not depend on the project's config being valid.
 */
async function serversToProbe(o: TsaProbeOptions): Promise<{ urls: string[]; timeoutMs: number }> {
  const path = o.servers.length && !o.config ? undefined : locateConfig(o.config, o.cwd);
  const timestamp = path ? (await loadConfig(path)).config.timestamp : undefined;
  const urls = o.servers.length ? o.servers : timestamp ? timestampServers(timestamp).map((s) => s.url) : DEFAULT_TIMESTAMP_SERVERS;
  return { urls, timeoutMs: (o.timeoutSeconds ?? timestamp?.timeoutSeconds ?? 15) * 1000 };
}

export async function tsaProbeCommand(o: TsaProbeOptions): Promise<TimestampServerSelection> {
  const { urls, timeoutMs } = await serversToProbe(o);
  return selectTimestampServers(urls, { timeoutMs, signal: o.signal });
}

export function formatProbeTable(sel: TimestampServerSelection): string {
  const rows = sel.results.map((r) => [
    displayServer(r.url),
    r.verdict === 'ok' ? 'ok' : `FAILED (${r.reason})`,
    `${Math.round(r.latencyMs)} ms`,
    r.verdict === 'ok' ? (r.tsaSubject ?? '') : (r.detail ?? ''),
  ]);
  const head = ['server', 'verdict', 'latency', 'TSA certificate / what went wrong'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const order = sel.ranked.length ? sel.ranked.map((u, i) => `  ${i + 1}. ${displayServer(u)}`).join('\n') : '  (none: every server failed)';
  return `${line(head)}\n${rows.map(line).join('\n')}\n\norder used for signing (healthy, fastest first):\n${order}\n`;
}
