import { basename, resolve } from 'node:path';
import { fileFacts, inDist } from '../artifacts/files.js';
import type { Artifact } from '../artifacts/kinds.js';
import type { ReleaseFacts } from '../artifacts/state.js';
import { ArtifactRegistry } from '../artifacts/registry.js';
import { noPositions, type ConfigPositions } from '../config/positions.js';
import type { BuildConfig, Config } from '../config/schema.js';
import type { ToolRunner } from '../tools/runner.js';
import type { Target } from '../util/arch.js';
import type { Logger } from '../util/logger.js';
import { Semaphore } from '../util/semaphore.js';
import { RUN_ID } from '../util/runId.js';
import type { VersionSource } from '../version/resolve.js';
import type { SemVer } from '../version/semver.js';

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

/** The facts as the state records them. */
export function factsOf(info: ReleaseInfo): ReleaseFacts {
  return {
    version: info.version,
    snapshot: info.snapshot,
    versionSource: info.versionSource,
    commit: info.commit,
    shortCommit: info.shortCommit,
    date: info.date.toISOString(),
    tag: info.tag ?? null,
    dirty: info.dirty,
  };
}

export interface RunOptions {
  dryRun: boolean;
  /** Parallel CPU jobs (go build, wixl, zips), across every stage of the run. */
  concurrency: number;
  /** Parallel jobs for work that mostly waits (timestamp servers). */
  ioConcurrency: number;
  json: boolean;
  /** --dev-cert: sign with a throwaway self-signed certificate. */
  devCert: boolean;
  /** `release sign FILE…`: the signing stages sign only these recorded files (dist paths). */
  files?: ReadonlySet<string>;
  /** --previous DIR…: earlier releases to make delta patches from (instead of patches.from). */
  previous?: readonly string[];
  /** `release appinstaller --base-url`: where the packages are served (instead of msix.appinstaller.baseUrl). */
  appinstallerBaseUrl?: string;
  /** `release channels --base-url`: where winget and Scoop download the release (instead of winget/scoop.baseUrl). */
  channelsBaseUrl?: string;
}

/** An artifact before its file is fingerprinted: the context adds size and SHA-256. */
export type ArtifactInput = Artifact extends infer A ? (A extends Artifact ? Omit<A, 'size' | 'sha256'> : never) : never;

export interface ReleaseContextInit {
  config: Config;
  configPath: string;
  /** Where each key of release.yaml is written (default: key paths without positions). */
  positions?: ConfigPositions;
  /** The folder of release.yaml: relative paths in it start here. */
  projectDir: string;
  distDir: string;
  release: ReleaseInfo;
  /** The targets this run works on: the builds' own, narrowed by --targets (and by the state). */
  targets: readonly Target[];
  options: RunOptions;
  runner: ToolRunner;
  signal: AbortSignal;
  logger: Logger;
  /** The environment secrets are read from (PFX password). */
  env: NodeJS.ProcessEnv;
  /** What earlier runs made (the release state), when this run continues them. */
  artifacts?: ArtifactRegistry;
  toolVersions?: Record<string, string>;
}

/** Everything a stage may read or add to. Stages share nothing else. */
export class ReleaseContext {
  readonly config: Config;
  readonly configPath: string;
  /** `positions.at(['msi', 'shortcut', 'target'])` → "release.yaml:12:11: msi.shortcut.target", for messages. */
  readonly positions: ConfigPositions;
  readonly projectDir: string;
  readonly distDir: string;
  readonly release: ReleaseInfo;
  readonly targets: readonly Target[];
  readonly options: RunOptions;
  readonly runner: ToolRunner;
  readonly signal: AbortSignal;
  readonly env: NodeJS.ProcessEnv;
  readonly artifacts: ArtifactRegistry;
  readonly warnings: string[] = [];
  /** Versions of the tools used, for metadata.json ({ go: "go1.26.8" }). */
  readonly toolVersions: Record<string, string>;
  /** CPU-bound jobs of every stage take a slot here, so overlapping stages do not oversubscribe the machine. */
  readonly cpu: Semaphore;
  logger: Logger;
  private readonly memos = new Map<string, Promise<unknown>>();

  constructor(init: ReleaseContextInit) {
    this.config = init.config;
    this.configPath = init.configPath;
    this.positions = init.positions ?? noPositions(basename(init.configPath));
    this.projectDir = init.projectDir;
    this.distDir = init.distDir;
    this.release = init.release;
    this.targets = init.targets;
    this.options = init.options;
    this.runner = init.runner;
    this.signal = init.signal;
    this.logger = init.logger;
    this.env = init.env;
    this.artifacts = init.artifacts ?? new ArtifactRegistry();
    this.toolVersions = init.toolVersions ?? {};
    this.cpu = new Semaphore(Math.max(1, init.options.concurrency));
  }

  /** A path inside dist/. */
  dist(...parts: string[]): string {
    return resolve(this.distDir, ...parts);
  }

  /**
   * A folder of this run's own inside dist/.work/ (named by RUN_ID, so a later run can remove it
   * if this one is killed, and two runs never share one). A dry run makes nothing: "dry-run".
   */
  work(...parts: string[]): string {
    return resolve(this.distDir, '.work', this.runner.dryRun ? 'dry-run' : RUN_ID, ...parts);
  }

  /** Where a recorded file is on disk. */
  fileOf(artifact: Pick<Artifact, 'path'>): string {
    return inDist(this.distDir, artifact.path);
  }

  /** A path from release.yaml: relative to its folder, or absolute as given. */
  project(...parts: string[]): string {
    return resolve(this.projectDir, ...parts);
  }

  /**
   * Record a file a stage has written (or rewritten): its size and SHA-256 are read now, so the
   * state never vouches for bytes it did not see. In a dry run nothing was written: 0 and "".
   */
  async record<A extends ArtifactInput>(artifact: A): Promise<Extract<Artifact, { kind: A['kind'] }>> {
    const facts = this.runner.dryRun ? { size: 0, sha256: '' } : await fileFacts(this.fileOf(artifact));
    return this.artifacts.put({ ...artifact, ...facts } as Artifact) as Extract<Artifact, { kind: A['kind'] }>;
  }

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

  /** The targets a build produces in this run (its own, narrowed to the run's). */
  targetsOf(build: BuildConfig): Target[] {
    return build.targets.filter((t) => this.targets.includes(t));
  }
}
