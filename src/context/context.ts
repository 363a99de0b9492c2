import { join, resolve } from 'node:path';
import { ArtifactRegistry } from '../artifacts/registry.js';
import type { BuildConfig, Config, Target } from '../config/schema.js';
import type { SemVer } from '../version/semver.js';
import type { VersionSource } from '../version/resolve.js';
import type { ToolRunner } from '../tools/runner.js';
import type { Logger } from '../util/logger.js';

export type { Logger };

export interface ReleaseInfo {
  version: string;
  semver: SemVer;
  snapshot: boolean;
  versionSource: VersionSource;
  commit: string;
  shortCommit: string;
  /** The commit date (or SOURCE_DATE_EPOCH): the only clock a release may read. */
  date: Date;
  tag?: string;
  dirty: boolean;
}

export interface RunOptions {
  dryRun: boolean;
  concurrency: number;
  /** --targets: restricts every build to these. */
  targets?: Target[];
  json: boolean;
  /** Parallel jobs for work that mostly waits (timestamp servers): --concurrency, else max(8, CPUs). */
  ioConcurrency: number;
  /** --dev-cert: sign with a throwaway self-signed certificate. */
  devCert: boolean;
}

/** Everything a stage may read or add to. Stages share nothing else. */
export class ReleaseContext {
  readonly artifacts = new ArtifactRegistry();
  readonly warnings: string[] = [];
  /** Versions of the tools used, for metadata.json ({ go: "go1.26.8" }). */
  readonly toolVersions: Record<string, string> = {};
  logger: Logger;

  constructor(
    readonly config: Config,
    readonly configPath: string,
    readonly projectDir: string,
    readonly release: ReleaseInfo,
    readonly options: RunOptions,
    readonly runner: ToolRunner,
    readonly signal: AbortSignal,
    logger: Logger,
    /** The environment secrets are read from (PFX password). */
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.logger = logger;
  }

  get distDir(): string {
    return resolve(this.projectDir, this.config.dist); // an absolute dist: stays absolute
  }

  /** A path inside dist/. */
  dist(...parts: string[]): string {
    return join(this.distDir, ...parts);
  }

  /** A path from release.yaml: relative to its folder, or absolute as given. */
  project(...parts: string[]): string {
    return resolve(this.projectDir, ...parts);
  }

  private readonly memos = new Map<string, Promise<unknown>>();

  /** One result per run for `key` (the timestamp-server probe, shared by both signing stages). */
  once<T>(key: string, make: () => Promise<T>): Promise<T> {
    if (!this.memos.has(key)) this.memos.set(key, make());
    return this.memos.get(key) as Promise<T>;
  }

  /** A warning for the user: shown now and kept for the summary, secrets redacted. */
  warn(message: string): void {
    const text = this.runner.redact(message);
    this.warnings.push(text);
    this.logger.warn(text);
  }

  /** The targets a build produces in this run (its own, narrowed by --targets). */
  targetsOf(build: BuildConfig): Target[] {
    const only = this.options.targets;
    return build.targets.filter((t) => !only || only.includes(t));
  }
}
