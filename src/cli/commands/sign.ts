import { realpath } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { isDistPath } from '../../artifacts/kinds.js';
import { readStateShape, statePath } from '../../artifacts/state.js';
import { findConfig, loadConfig } from '../../config/load.js';
import type { ReleaseContext } from '../../context/context.js';
import { runBuild, type BuildOutcome } from '../../pipeline/run.js';
import type { Selection } from '../../pipeline/select.js';
import { checkInputs, type SignedFileRecord } from '../../signing/engine.js';
import { makeSigningPlan, signWithPlan } from '../../signing/plan.js';
import { signConfig, type SigningEnv } from '../../signing/settings.js';
import { signBinaries } from '../../stages/sign/binaries.js';
import { signPackages } from '../../stages/sign/packages.js';
import { stillToSign } from '../../stages/sign/artifacts.js';
import { ToolRunner } from '../../tools/runner.js';
import { concurrencyPolicy } from '../../util/concurrency.js';
import { UsageError } from '../../util/errors.js';
import { TOOL_VERSION } from '../../util/toolVersion.js';
import type { CliIo } from '../io.js';
import { parseConcurrency, processOptions } from '../options.js';
import { reportRun } from '../outcome.js';
import { redactError } from '../report.js';

export const signHelp = `Usage: release sign [FILE…] [--config release.yaml] [--dev-cert] [--concurrency N] [--json]

Without FILE: signs what dist/ still has unsigned (binaries, then packages, as sign.artifacts
lists them) in the release recorded in dist/.winship/state.json, for a dist/ made on another
machine. Every file is signed with Authenticode and an RFC 3161 timestamp from the probed,
ranked timestamp servers and verified (signature and timestamp) before it replaces the
unsigned one. What packed the unsigned bytes (MSIs, zips) is made again, the new MSIs signed,
and the checksums and manifests rewritten last, so dist/ stays consistent. Needs the commit
and release.yaml the release was built from.

With FILE… inside dist/: the same, for those recorded files only. With FILE… elsewhere (any
exe, dll, msi or msix): signs and verifies them in place, nothing else.`;

export async function signCommand(values: Record<string, unknown>, files: string[], io: CliIo): Promise<number> {
  const json = values.json === true;
  const log = json ? io.stderr : io.stdout;
  const configPath = await findConfig(values.config as string | undefined, io.cwd);
  const { distDir } = await loadConfig(configPath);
  // Compared as real paths: a dist/ reached through a symlink (/var vs /private/var on macOS) is
  // still the release's, and its files must go through the state.
  const realDist = await realpath(distDir).catch(() => distDir);
  const absolute = await Promise.all(files.map(async (f) => realpath(resolve(io.cwd, f)).catch(() => resolve(io.cwd, f))));
  const distPathOf = (f: string) => relative(realDist, f).split(sep).join('/');
  const inDist = absolute.filter((f) => isDistPath(distPathOf(f)));
  if (inDist.length && inDist.length !== absolute.length) {
    throw new UsageError(`release sign: give either files of the release in ${distDir} or files elsewhere, not both (outside it: ${absolute.filter((f) => !inDist.includes(f)).join(', ')})`);
  }
  if (absolute.length && !inDist.length) return signLooseFiles(values, absolute, io, configPath);
  if (!(await readStateShape(distDir, TOOL_VERSION))) {
    throw new UsageError(`release sign: ${distDir} holds no release to sign (no ${statePath(distDir)}): build it first (release build), or give files outside a release to sign just those`);
  }

  const wanted = new Set(inDist.map(distPathOf));
  let outcome: BuildOutcome | undefined;
  let thrown: unknown;
  try {
    outcome = await runBuild({
      config: configPath,
      skip: [],
      only: [signBinaries.id, signPackages.id],
      leaveOutMissingInputs: true,
      split: false,
      ...(wanted.size ? { files: wanted } : {}),
      dryRun: false,
      json,
      concurrency: parseConcurrency(values.concurrency),
      devCert: values['dev-cert'] === true,
      clean: false,
      noWait: values['no-wait'] === true,
      ...processOptions(io, log),
      preflight: (ctx, selection) => checkSomethingToSign(ctx, selection, wanted),
    });
  } catch (err) {
    thrown = err;
  }
  return reportRun(io, outcome, thrown, { json, dryRun: false, log, noun: 'signed release' });
}

/** `release sign` with nothing to do is a mistake worth saying (a dist/ signed twice, a typo). */
function checkSomethingToSign(ctx: ReleaseContext, selection: Selection, wanted: ReadonlySet<string>): void {
  const where = statePath(ctx.distDir);
  const signing = [signBinaries, signPackages];
  const kinds = signConfig(ctx)?.artifacts ?? [];
  for (const path of wanted) {
    const a = ctx.artifacts.get(path);
    if (!a) throw new UsageError(`release sign: ${path} is not a file of the release recorded in ${where}`);
    if (!(kinds as readonly string[]).includes(a.kind)) {
      throw new UsageError(`release sign: ${path} is ${a.kind === 'archive' ? 'an' : 'a'} ${a.kind} file; release sign signs ${kinds.join(', ') || 'nothing'} files (sign.artifacts in release.yaml)`);
    }
  }
  if (!selection.run.some((s) => signing.includes(s as never))) {
    const reasons = [...selection.leftOut].filter(([s]) => signing.includes(s as never)).map(([s, r]) => `${s.id}: ${r}`);
    throw new UsageError(`release sign: nothing to sign in ${ctx.distDir}:\n  ${reasons.join('\n  ')}`);
  }
  const signable = [...ctx.artifacts.ofKind('binary'), ...ctx.artifacts.ofKind('msi'), ...ctx.artifacts.ofKind('msix')].filter(
    (a) => (kinds as readonly string[]).includes(a.kind) && ctx.targets.includes(`windows/${a.goarch}`) && (wanted.size === 0 || wanted.has(a.path)),
  );
  const unsigned = [...stillToSign(ctx, 'binary'), ...stillToSign(ctx, 'msi'), ...stillToSign(ctx, 'msix')];
  // Packages that packed files changed since (a run stopped half-way) are remade even so.
  const stale = ctx.artifacts.all().filter((a) => ctx.artifacts.staleInputs(a).length > 0);
  if (unsigned.length === 0 && stale.length === 0) {
    const signers = [...new Set(signable.map((a) => a.signature?.signer))].join(', ');
    throw new UsageError(
      `release sign: nothing left to sign in ${ctx.distDir}: ${signable.length ? `${wanted.size ? 'the files given are' : `all ${signable.length} signable files are`} already signed (by ${signers})` : `${where} records no ${kinds.join(' or ')} files`}`,
    );
  }
}

/** Files outside any release: sign and verify them in place, as before there was a state. */
async function signLooseFiles(values: Record<string, unknown>, files: string[], io: CliIo, configPath: string): Promise<number> {
  const json = values.json === true;
  const log = json ? io.stderr : io.stdout;
  await checkInputs(files); // before probing servers: fail fast on a typo
  const { config, path } = await loadConfig(configPath);
  const warnings: string[] = [];
  const runner = new ToolRunner({ dryRun: false, signal: io.signal });
  runner.scrubEnv(config.sign?.certificate.passwordEnv ?? 'WINSHIP_PFX_PASSWORD'); // before any child starts
  const warn = (m: string) => {
    const text = runner.redact(m);
    warnings.push(text);
    log.write(`warning: ${text}\n`);
  };
  const concurrency = values.concurrency === undefined ? concurrencyPolicy(undefined) : parseConcurrency(values.concurrency);
  const env: SigningEnv = {
    config,
    runner,
    signal: io.signal,
    logger: { info: (m) => log.write(`${runner.redact(m)}\n`), warn },
    options: { devCert: values['dev-cert'] === true, ioConcurrency: concurrency.io },
    env: io.env,
    project: (...parts) => resolve(dirname(path), ...parts),
    warn,
  };
  const sign = signConfig(env);
  if (!sign) throw new UsageError(`${path} has no sign: section; add one (see README "Signing") or pass --dev-cert`);
  let records: SignedFileRecord[];
  try {
    records = await signWithPlan(env, await makeSigningPlan(env, sign), files);
  } catch (err) {
    throw redactError(err, (text) => runner.redact(text));
  }
  if (json) {
    const shown = records.map(({ file, signerSubject, digest, timestampServer, timestampTime, attempts }) => ({ file, signer: signerSubject, digest, timestampServer, timestampTime, attempts }));
    io.stdout.write(`${JSON.stringify({ files: shown, warnings }, null, 2)}\n`);
  } else {
    for (const r of records) io.stdout.write(`signed ${r.file}\n  signer ${r.signerSubject}\n  timestamp ${r.timestampTime} from ${r.timestampServer}\n`);
  }
  return 0;
}
