import { Listr, ListrLogger, ProcessOutput, PRESET_TIMER } from 'listr2';
import { resolve } from 'node:path';
import { UsageError } from '../util/errors.js';
import { findConfig, loadConfig } from '../config/load.js';
import { SUPPORTED_TARGETS, type Target } from '../config/schema.js';
import { ReleaseContext, type Logger } from '../context/context.js';
import { pipeline } from './pipeline.js';
import type { Stage } from '../context/stage.js';
import { ToolRunner } from '../tools/runner.js';
import { claimDist, retireManifests } from './dist.js';
import { readReleaseInfo } from './facts.js';

export interface BuildOptions {
  cwd: string;
  config?: string;
  version?: string;
  targets?: string[];
  skip: string[];
  only: string[];
  dryRun: boolean;
  json: boolean;
  concurrency: number;
  /** Set when --concurrency was given: then it bounds waiting work (signing) too. */
  ioConcurrency?: number;
  devCert: boolean;
  clean: boolean;
  signal: AbortSignal;
  /** Where progress and logs go: stderr with --json, else stdout. */
  log: NodeJS.WriteStream;
  /** Where --dry-run listings go. */
  out: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  interactive: boolean;
}

export interface StageTiming {
  stage: string;
  title: string;
  ms: number;
  skipped?: string;
}

export interface BuildOutcome {
  ctx?: ReleaseContext;
  timings: StageTiming[];
  commands: string[];
  /** Why the run failed, once it had started: the summary still carries its warnings and timings. */
  error?: unknown;
}

/**
 * Stages the user left out with --skip/--only, with the reason shown for each. A stage whose
 * `needs` are left out is left out too (it would write zips without binaries, or checksums and
 * artifacts.json over a part of dist/); naming it in --only is then a usage error.
 */
export function selectStages(all: readonly Stage[], skip: readonly string[], only: readonly string[]): Map<Stage, string> {
  const ids = all.map((s) => s.id);
  for (const id of [...skip, ...only]) {
    if (!ids.includes(id)) throw new UsageError(`unknown stage "${id}" (stages: ${ids.join(', ')})`);
  }
  const skipped = new Map<Stage, string>();
  const skippedIds = new Set<string>();
  for (const s of all) {
    let reason: string | undefined;
    if (skip.includes(s.id)) reason = '--skip';
    else if (only.length && !only.includes(s.id)) reason = 'not in --only';
    else {
      const missing = (s.needs ?? []).filter((n) => skippedIds.has(n));
      if (missing.length && only.includes(s.id)) {
        throw new UsageError(
          `--only ${s.id} needs ${missing.join(', ')} in the same run (stages hand their files over in memory): add --only ${missing.join(' --only ')}`,
        );
      }
      if (missing.length) reason = `needs ${missing.join(', ')}, which this run leaves out`;
    }
    if (reason) {
      skipped.set(s, reason);
      skippedIds.add(s.id);
    }
  }
  return skipped;
}

export function parseTargets(list: readonly string[] | undefined): Target[] | undefined {
  if (!list) return undefined;
  const targets = list.flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
  for (const t of targets) {
    if (!(SUPPORTED_TARGETS as readonly string[]).includes(t)) {
      throw new UsageError(`--targets: "${t}" is not a supported target (supported: ${SUPPORTED_TARGETS.join(', ')})`);
    }
  }
  return targets as Target[];
}

export async function runBuild(opts: BuildOptions): Promise<BuildOutcome> {
  const commands: string[] = [];
  const timings: StageTiming[] = [];
  const configPath = await findConfig(opts.config, opts.cwd);
  const { config, projectDir } = await loadConfig(configPath);
  const targets = parseTargets(opts.targets);
  if (targets && !config.builds.some((b) => b.targets.some((t) => targets.includes(t)))) {
    throw new UsageError(`--targets ${targets.join(',')}: no build in ${configPath} has these targets`);
  }
  const skipped = selectStages(pipeline, opts.skip, opts.only);
  const concurrency = opts.dryRun ? 1 : opts.concurrency; // a dry-run listing must come out in order

  const write = (stream: NodeJS.WriteStream, line: string) => stream.write(`${line}\n`);
  const runner = new ToolRunner({
    dryRun: opts.dryRun,
    signal: opts.signal,
    onCommand: (line) => {
      commands.push(line);
      if (opts.dryRun && !opts.json) write(opts.out, line);
    },
  });
  const logger: Logger = {
    info: (message) => {
      const m = runner.redact(message);
      if (opts.dryRun) {
        commands.push(m);
        if (!opts.json) write(opts.out, m);
      } else write(opts.log, m);
    },
    warn: (m) => write(opts.log, `warning: ${runner.redact(m)}`),
  };

  const release = await readReleaseInfo(runner, projectDir, opts.env, opts.version, config.version, resolve(projectDir, config.dist));
  const ctx = new ReleaseContext(config, configPath, projectDir, release, { dryRun: opts.dryRun, concurrency, ioConcurrency: opts.dryRun ? 1 : (opts.ioConcurrency ?? Math.max(8, concurrency)), targets, json: opts.json, devCert: opts.devCert }, runner, opts.signal, logger, opts.env);
  if (release.snapshot) ctx.warn(`no release tag on HEAD and no version given: building snapshot ${release.version}`);
  if (release.dirty) ctx.warn('the git work tree has uncommitted changes: the release will not match its commit');
  if (!opts.dryRun) await claimDist(ctx.distDir, opts.clean);

  let retired = false;
  const listr = new Listr(
    pipeline.map((stage) => ({
      title: stage.title,
      skip: () => {
        const reason = skipped.get(stage) ?? stage.skip?.(ctx) ?? false;
        if (!reason) return false;
        timings.push({ stage: stage.id, title: stage.title, ms: 0, skipped: reason });
        return reason;
      },
      task: async () => {
        const started = performance.now();
        try {
          if (!opts.dryRun && stage.writesDist !== false && !retired) {
            retired = true;
            await retireManifests(ctx.distDir, config.project.name);
          }
          await stage.run(ctx);
        } finally {
          timings.push({ stage: stage.id, title: stage.title, ms: Math.round(performance.now() - started) });
        }
      },
    })),
    {
      concurrent: false,
      exitOnError: true,
      registerSignalListeners: false,
      renderer: opts.interactive && !opts.dryRun && !opts.json ? 'default' : 'simple',
      rendererOptions: {
        timer: PRESET_TIMER,
        collapseSkips: false, // live renderer: keep the stage title, show why it was skipped under it
        logger: new ListrLogger({ useIcons: true, processOutput: new ProcessOutput(opts.log, opts.log) }),
      },
      fallbackRenderer: 'simple',
      fallbackRendererOptions: { timer: PRESET_TIMER },
    } as ConstructorParameters<typeof Listr>[1],
  );
  let error: unknown;
  try {
    await listr.run();
  } catch (err) {
    error = err;
  }
  return { ctx, timings, commands, error };
}
