import { describe, expect, it } from 'vitest';
import { rankTimestampServers, type ProbeResult } from '../../../src/tsa/probe.js';
import type { TsaFailure } from '../../../src/tsa/rfc3161.js';

describe('rankTimestampServers', () => {
  const ok = (u: string, latencyMs: number): ProbeResult => ({ url: u, verdict: 'ok', latencyMs });
  const bad = (u: string, reason: TsaFailure): ProbeResult => ({ url: u, verdict: 'failed', reason, detail: reason, latencyMs: 1 });

  it('orders healthy servers by latency, keeping configured order on ties, and sets failures aside', () => {
    const results = [ok('a', 300), bad('b', 'timeout'), ok('c', 50), ok('d', 300), bad('e', 'rejected'), ok('f', 120)];
    expect(rankTimestampServers(results)).toEqual({
      ranked: ['c', 'f', 'a', 'd'],
      failed: [results[1], results[4]],
    });
  });

  it('handles no servers and no healthy servers', () => {
    expect(rankTimestampServers([])).toEqual({ ranked: [], failed: [] });
    const failures = [bad('x', 'http-status'), bad('y', 'clock-skew')];
    expect(rankTimestampServers(failures)).toEqual({ ranked: [], failed: failures });
  });
});
