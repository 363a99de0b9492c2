// One ServerLimiter is shared by every worker signing files in parallel (and may be shared across
// stages). It decides which time-stamp server a worker asks next, and when:
//
// Pacing. Some servers ask for a minimum interval between requests (Sectigo: 15 s;
// electron-builder #3101 shows what happens otherwise). Each server has a next free slot; taking
// a server reserves its slot synchronously, so two workers can never book the same one.
// A worker waits for a preferred server's slot only when the wait is short (maxWaitMs, 2 s by
// default): a timestamp normally takes 0.2-1 s, so a wait longer than about one request costs more
// than asking the next server in the ranking. When every server's slot is far away, the worker
// waits for the earliest one rather than failing.
//
// Spreading. At most maxInFlightPerServer requests (3 by default) are open on one server at a
// time; further workers take the next healthy server in the ranking, or wait for a request to
// end. Free public TSAs throttle bursts from one client (electron-builder #3101), and with 8
// workers on the top-ranked server its queue, not the network, sets the pace: in our benchmark
// the local TSAs answer one at a time and 42 of 50 requests queued on the first one.
//
// Circuit breaker, per server, in three states:
//   unknown  - not answered yet in this run (or its cool-down is over): one request at a time.
//              The others do not pile onto a server nobody has seen working: they take another
//              server or wait for that first request to end. Without this, 8 workers starting
//              together would all wait out a hanging first server's timeout.
//   good     - answered: up to maxInFlightPerServer parallel requests, subject to pacing.
//   cooling  - failed or timed out recently: moved to the back of the order for coolDownMs, so
//              50 files do not each wait on the same hanging server. Still used as a last resort
//              when every other candidate has been tried.

import { CancelledError } from '../util/errors.js';
import { sleep } from '../util/sleep.js';

export type ServerState = 'unknown' | 'good' | 'cooling';
/** How an attempt ended, for the circuit breaker. 'neutral': not the server's doing (bad password). */
export type ServerOutcome = 'ok' | 'timeout' | 'failed' | 'neutral';

export interface ServerLimiterOptions {
  /**
   * Minimum time between the starts of two requests to one server: one number for every server,
   * or per server (keys: the exact URL, or its host). Known servers' own limits (see
   * KNOWN_MIN_INTERVALS_MS) apply when they are larger.
   */
  minIntervalMs?: number | Readonly<Record<string, number>>;
  /** Longest wait for a preferred server's slot before a worker moves on to the next server. */
  maxWaitMs?: number;
  /** How long a failed server stays at the back of the order. */
  coolDownMs?: number;
  /** Most requests open on one server at once (see "Spreading" above). */
  maxInFlightPerServer?: number;
  /** Monotonic clock in ms, injectable for tests. */
  now?: () => number;
}

export interface ServerLease {
  server: string;
  /** Time spent waiting for the server's slot (pacing), not for other workers. */
  waitedMs: number;
  /** Report how the request went; call exactly once. */
  release(outcome: ServerOutcome): void;
}

/** Published request pacing of public time-stamp servers, by host. */
export const KNOWN_MIN_INTERVALS_MS: Readonly<Record<string, number>> = {
  // Sectigo asks for at least 15 s between requests (domain notes §3).
  'timestamp.sectigo.com': 15_000,
};

export const DEFAULT_MAX_WAIT_MS = 2_000;
export const DEFAULT_COOL_DOWN_MS = 120_000;
export const DEFAULT_MAX_IN_FLIGHT_PER_SERVER = 3;

/** The interval for `server`: the configured one, or a known server's own, whichever is larger. */
export function minIntervalFor(server: string, option: ServerLimiterOptions['minIntervalMs']): number {
  let host = '';
  let hostname = '';
  try {
    const url = new URL(server);
    host = url.host;
    hostname = url.hostname;
  } catch {
    /* not a URL: only an exact key can match */
  }
  const configured =
    typeof option === 'number' ? option : (option?.[server] ?? option?.[host] ?? option?.[hostname] ?? 0);
  return Math.max(configured, KNOWN_MIN_INTERVALS_MS[hostname] ?? 0);
}

interface ServerRecord {
  state: ServerState;
  /** When the next request may start (monotonic ms). */
  nextFreeAt: number;
  /** When the last request actually started. */
  lastStart: number;
  /** While cooling: when it becomes unknown again. */
  coolUntil: number;
  /** In-flight requests taken while the server was not known good. */
  trials: number;
  /** All in-flight requests. */
  inFlight: number;
}

export class ServerLimiter {
  private readonly servers = new Map<string, ServerRecord>();
  private readonly waiters = new Set<() => void>();
  private readonly now: () => number;
  readonly maxWaitMs: number;
  readonly coolDownMs: number;
  readonly maxInFlight: number;

  constructor(private readonly options: ServerLimiterOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    this.coolDownMs = options.coolDownMs ?? DEFAULT_COOL_DOWN_MS;
    this.maxInFlight = Math.max(1, options.maxInFlightPerServer ?? DEFAULT_MAX_IN_FLIGHT_PER_SERVER);
  }

  stateOf(server: string): ServerState {
    return this.record(server).state;
  }

  /** `servers` in the order a new file should try them: the rest in their given order, cooling ones last. */
  order(servers: readonly string[]): string[] {
    const now = this.now();
    const warm = servers.filter((s) => this.record(s, now).state !== 'cooling');
    const cooling = servers
      .filter((s) => this.record(s, now).state === 'cooling')
      .sort((a, b) => this.record(a).coolUntil - this.record(b).coolUntil);
    return [...warm, ...cooling];
  }

  /**
   * Choose one of `candidates` (most preferred first), reserve its next slot, and resolve when
   * the slot starts. Rejects with CancelledError when `signal` aborts.
   */
  async acquire(candidates: readonly string[], signal: AbortSignal): Promise<ServerLease> {
    if (candidates.length === 0) throw new RangeError('acquire needs at least one server');
    for (;;) {
      if (signal.aborted) throw new CancelledError();
      const now = this.now();
      const ordered = this.order(candidates);
      const usable = ordered.filter((s) => {
        const r = this.record(s, now);
        return (r.state === 'good' && r.inFlight < this.maxInFlight) || (r.state === 'unknown' && r.trials === 0);
      });
      // A request in flight (a first one to an unknown server, or one on a full server) will end
      // soon and may free a better choice than waiting for a paced slot.
      const releasePending = ordered.some((s) => {
        const r = this.record(s, now);
        return r.state === 'unknown' || (r.state === 'good' && r.inFlight >= this.maxInFlight);
      });
      const wait = (s: string) => Math.max(0, this.record(s, now).nextFreeAt - now);

      const quick = usable.find((s) => wait(s) <= this.maxWaitMs);
      if (quick !== undefined) return this.take(quick, now, signal);
      if (usable.length > 0) {
        const earliest = usable.reduce((a, b) => (wait(b) < wait(a) ? b : a));
        if (releasePending) {
          await this.nextChange(signal, wait(earliest));
          continue;
        }
        return this.take(earliest, now, signal);
      }
      if (releasePending) {
        await this.nextChange(signal);
        continue;
      }
      // Every candidate is cooling: try the one that failed longest ago.
      return this.take(ordered[0]!, now, signal);
    }
  }

  /**
   * A request made outside acquire() (the health probe): later requests keep their distance
   * from it, and a server that just answered well is trusted without a trial.
   */
  noteRequest(server: string, startedAt: number, healthy: boolean): void {
    const r = this.record(server, startedAt);
    const interval = minIntervalFor(server, this.options.minIntervalMs);
    r.lastStart = Math.max(r.lastStart, startedAt);
    r.nextFreeAt = Math.max(r.nextFreeAt, startedAt + interval);
    if (healthy && r.state === 'unknown') r.state = 'good';
  }

  /** The limiter's clock (monotonic ms), to time requests passed to noteRequest. */
  clock(): number {
    return this.now();
  }

  private record(server: string, now = this.now()): ServerRecord {
    let r = this.servers.get(server);
    if (!r) {
      r = { state: 'unknown', nextFreeAt: -Infinity, lastStart: -Infinity, coolUntil: 0, trials: 0, inFlight: 0 };
      this.servers.set(server, r);
    }
    if (r.state === 'cooling' && now >= r.coolUntil) r.state = 'unknown';
    return r;
  }

  private async take(server: string, now: number, signal: AbortSignal): Promise<ServerLease> {
    const r = this.record(server, now);
    const interval = minIntervalFor(server, this.options.minIntervalMs);
    const start = Math.max(now, r.nextFreeAt);
    r.nextFreeAt = start + interval;
    const trial = r.state !== 'good';
    if (trial) r.trials++;
    r.inFlight++;
    let released = false;
    const release = (outcome: ServerOutcome) => {
      if (released) return;
      released = true;
      this.settle(server, outcome, trial);
    };
    try {
      await sleep(start - now, signal);
      // A busy event loop can wake the previous slot's worker late; measure the interval from
      // when that request really started, so the server never sees two closer than asked.
      for (let left = r.lastStart + interval - this.now(); left > 0; left = r.lastStart + interval - this.now()) {
        await sleep(left, signal);
      }
    } catch (err) {
      release('neutral');
      throw err;
    }
    r.lastStart = this.now();
    r.nextFreeAt = Math.max(r.nextFreeAt, r.lastStart + interval);
    return { server, waitedMs: r.lastStart - now, release };
  }

  private settle(server: string, outcome: ServerOutcome, trial: boolean): void {
    const now = this.now();
    const r = this.record(server, now);
    if (trial) r.trials = Math.max(0, r.trials - 1);
    r.inFlight = Math.max(0, r.inFlight - 1);
    if (outcome === 'ok') {
      r.state = 'good';
    } else if (outcome === 'timeout' || outcome === 'failed') {
      r.state = 'cooling';
      r.coolUntil = now + this.coolDownMs;
    }
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Resolve at the next release by any worker, or after `maxMs`. */
  private nextChange(signal: AbortSignal, maxMs?: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiters.delete(done);
        resolve();
      };
      const onAbort = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        reject(new CancelledError());
      };
      const timer = maxMs === undefined ? undefined : setTimeout(done, Math.max(0, maxMs));
      this.waiters.add(done);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
