import { dirname, relative, resolve, sep } from 'node:path';
import { isDistPath } from '../../artifacts/kinds.js';
import { statePath } from '../../artifacts/state.js';
import { findConfig, loadConfig } from '../../config/load.js';
import type { ReleaseContext } from '../../context/context.js';
import { runBuild, type BuildOutcome } from '../../pipeline/run.js';
import type { Selection } from '../../pipeline/select.js';
import { checkInputs, type SignedFileRecord } from '../../signing/engine.js';
import { makeSigningPlan, signWithPlan } from '../../signing/plan.js';
import { signConfig, type SigningEnv } from '../../signing/settings.js';
import { ToolRunner } from '../../tools/runner.js';
import { concurrencyPolicy } from '../../util/concurrency.js';
import { UsageError } from '../../util/errors.js';
import type { CliIo } from '../io.js';
import { parseConcurrency } from '../options.js';
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
  const absolute = files.map((f) => resolve(io.cwd, f));
  const inDist = absolute.filter((f) => isDistPath(relative(distDir, f).split(sep).join('/')));
  if (inDist.length && inDist.length !== absolute.length) {
    throw new UsageError(`release sign: give either files of the release in ${distDir} or files elsewhere, not both (outside it: ${absolute.filter((f) => !inDist.includes(f)).join(', ')})`);
  }
  if (absolute.length && !inDist.length) return signLooseFiles(values, absolute, io, configPath);

  const wanted = new Set(inDist.map((f) => relative(distDir, f).split(sep).join('/')));
  let outcome: BuildOutcome | undefined;
  let thrown: unknown;
  try {
    outcome = await runBuild({
      cwd: io.cwd,
      config: configPath,
      skip: [],
      only: ['sign', 'sign-packages'],
      lenient: true,
      split: false,
      ...(wanted.size ? { files: wanted } : {}),
      dryRun: false,
      json,
      concurrency: parseConcurrency(values.concurrency),
      devCert: values['dev-cert'] === true,
      clean: false,
      signal: io.signal,
      log,
      out: io.stdout,
      env: io.env,
      interactive: Boolean(io.stdout.isTTY) && !io.env.CI,
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
  const signing = selection.run.filter((s) => s.id === 'sign' || s.id === 'sign-packages');
  if (signing.length === 0) {
    const reasons = [...selection.leftOut].filter(([s]) => s.id === 'sign' || s.id === 'sign-packages').map(([s, r]) => `${s.id}: ${r}`);
    throw new UsageError(`release sign: nothing to sign in ${ctx.distDir}:\n  ${reasons.join('\n  ')}`);
  }
  for (const path of wanted) {
    if (!ctx.artifacts.get(path)) throw new UsageError(`release sign: ${path} is not a file of the release recorded in ${where}`);
  }
  const kinds = signConfig(ctx)?.artifacts ?? [];
  const unsigned = ctx.artifacts
    .all()
    .filter((a) => (a.kind === 'binary' || a.kind === 'msi') && kinds.includes(a.kind) && !a.signature && (wanted.size === 0 || wanted.has(a.path)));
  if (unsigned.length === 0) {
    const signed = ctx.artifacts.all().filter((a) => 'signature' in a && a.signature);
    throw new UsageError(
      `release sign: nothing left to sign in ${ctx.distDir}: ${signed.length ? `${wanted.size ? 'the files given are' : `all ${signed.length} signable files are`} already signed (by ${[...new Set(signed.map((a) => ('signature' in a ? a.signature?.signer : '')))].join(', ')})` : `${where} records no ${kinds.join(' or ')} files`}`,
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
