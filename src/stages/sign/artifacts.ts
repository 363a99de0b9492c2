import type { ArtifactOf } from '../../artifacts/kinds.js';
import type { ReleaseContext } from '../../context/context.js';
import type { SignedFileRecord } from '../../signing/engine.js';
import type { SigningPlan } from '../../signing/plan.js';
import { targetOf, type Target } from '../../util/arch.js';
import { signConfig } from '../../signing/settings.js';
import type { SigningCredential } from '../../signing/credentials.js';
import { problemsOf, UsageError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/fs.js';
import { DEV_ROOT_FILE } from '../../artifacts/names.js';

export type Signable = 'binary' | 'msi' | 'msix';
type SignableArtifact = ArtifactOf<Signable>;

/** Why a signing stage has nothing to do, or false. */
export function signingSkipReason(ctx: ReleaseContext, kinds: readonly Signable[]): string | false {
  const sign = signConfig(ctx);
  if (!sign) return 'no sign: section in release.yaml (or --dev-cert)';
  if (sign.disabled) return 'sign.disabled is set';
  if (!kinds.some((k) => sign.artifacts.includes(k))) return `sign.artifacts does not list ${kinds.join(' or ')}`;
  return false;
}

/** The kinds of `kinds` that sign.artifacts asks to sign. */
export function kindsToSign(ctx: ReleaseContext, kinds: readonly Signable[]): Signable[] {
  const sign = signConfig(ctx);
  return kinds.filter((k) => sign?.artifacts.includes(k) ?? false);
}

/**
 * The files of `kind` still to be signed: of a kind sign.artifacts lists, unsigned, among the
 * files asked for (`release sign FILE…`), of the run's targets (or of `target`). The one rule
 * for the signing stages and for `release sign`'s check that there is something to do.
 */
export function stillToSign<K extends Signable>(ctx: ReleaseContext, kind: K, target?: Target): ArtifactOf<K>[] {
  if (kindsToSign(ctx, [kind]).length === 0) return [];
  const all: SignableArtifact[] = ctx.artifacts.ofKind(kind);
  return all
    .filter((a) => !a.signature && ctx.targets.includes(targetOf(a.goarch)) && (target === undefined || targetOf(a.goarch) === target))
    .filter((a) => ctx.options.files?.has(a.path) ?? true) as ArtifactOf<K>[];
}

/**
 * The plan is made once per run: one probe of the timestamp servers, one limiter for every file.
 * The signing stages start it when the run starts (prepare), so the probe overlaps the builds.
 */
export function signingPlan(ctx: ReleaseContext): Promise<SigningPlan> {
  return ctx.once('signing-plan', async () => {
    const { makeSigningPlan } = await import('../../signing/plan.js');
    return makeSigningPlan(ctx, signConfig(ctx)!);
  });
}

/** Start the plan now; its failure is reported by the stage that needs it, not as an unhandled rejection. */
export async function startSigning(ctx: ReleaseContext): Promise<void> {
  // What can be refused without the network is refused before anything builds (a missing password).
  const { credentialFrom } = await import('../../signing/credentials.js');
  const sign = signConfig(ctx)!;
  if (!ctx.options.devCert) {
    const credential = credentialFrom(ctx, sign.certificate);
    // And the certificate: it opens with its password, is valid, may sign code. Once per run,
    // though both signing stages prepare.
    if (!ctx.runner.dryRun) await ctx.once('certificate-check', () => checkCertificate(ctx, credential, sign));
  }
  signingPlan(ctx).catch(() => undefined);
}

/**
 * Sign and verify `artifacts` in place. Each file is recorded (new digest, signer, timestamp) as
 * soon as its signed copy has replaced it, so an interrupted run leaves a state that matches dist/.
 */
export async function signArtifacts(ctx: ReleaseContext, artifacts: readonly SignableArtifact[], signal: AbortSignal): Promise<void> {
  if (artifacts.length === 0) return;
  const plan = await signingPlan(ctx);
  if (ctx.options.devCert && !ctx.runner.dryRun) await ctx.once('dev-root', () => keepDevRoot(ctx));
  const { signWithPlan } = await import('../../signing/plan.js');
  const byFile = new Map(artifacts.map((a) => [ctx.fileOf(a), a]));
  await signWithPlan(ctx, plan, [...byFile.keys()], {
    signal,
    onSigned: async (record: SignedFileRecord) => {
      const a = byFile.get(record.file);
      if (!a || ctx.runner.dryRun) return;
      await ctx.record({ ...a, signature: signatureOf(ctx, record) });
    },
  });
}

/**
 * The throwaway root of a --dev-cert run, kept beside the release (public: no key), so that
 * `release verify` can check its signatures and a test machine can trust them on purpose.
 */
async function keepDevRoot(ctx: ReleaseContext): Promise<void> {
  const { devCredential } = await import('../../signing/credentials.js');
  await writeFileAtomic(ctx.dist(DEV_ROOT_FILE), (await devCredential(ctx)).rootPem);
}

function signatureOf(ctx: ReleaseContext, r: SignedFileRecord): NonNullable<SignableArtifact['signature']> {
  return {
    signer: r.signerSubject,
    digest: r.digest,
    timestampServer: r.timestampServer,
    timestampTime: r.timestampTime,
    attempts: r.attempts.length,
    ...(ctx.options.devCert ? { devCert: true as const } : {}),
  };
}

async function checkCertificate(ctx: ReleaseContext, credential: SigningCredential, sign: NonNullable<ReturnType<typeof signConfig>>): Promise<void> {
  const { checkCredential } = await import('../../signing/certificateCheck.js');
  const verdict = await checkCredential(ctx.runner, credential, new Date());
  const cert = sign.certificate;
  const where = ctx.positions.at(['sign', 'certificate', cert.pfx ? 'pfx' : cert.key ? 'key' : 'cert']);
  for (const w of verdict.warnings) ctx.warn(`${where}: ${w}`);
  const found = problemsOf(verdict.errors.map((e) => new UsageError(`${where}: ${e}`)));
  if (found) throw found;
}

/**
 * Windows installs an MSIX only when its Publisher is its signer's subject (and signtool will
 * not sign it otherwise): checked against the certificate this run signs with before the first
 * package is touched, for packages built elsewhere or with msix.publisher too. A certificate
 * that cannot be read here (the Windows store, Azure) is left to signtool, which checks it.
 */
export async function checkMsixPublishers(ctx: ReleaseContext, packages: readonly ArtifactOf<'msix'>[]): Promise<void> {
  if (packages.length === 0 || ctx.runner.dryRun) return;
  const plan = await signingPlan(ctx);
  const signer = await ctx.once('msix-signer-publisher', async () => {
    const { certificatePublisher } = await import('../../signing/publisher.js');
    return certificatePublisher(ctx.runner, plan.credential);
  });
  if ('unreadable' in signer) return;
  const { sameDistinguishedName } = await import('../../signing/publisher.js');
  const wrong = packages.filter((p) => !sameDistinguishedName(p.msix.publisher, signer.publisher));
  if (wrong.length === 0) return;
  throw new UsageError(
    `cannot sign ${wrong.map((p) => p.path).join(', ')}: ${wrong.length === 1 ? 'its' : 'their'} Publisher ${[...new Set(wrong.map((p) => `"${p.msix.publisher}"`))].join(', ')} ` +
      `is not the subject of the signing certificate (${signer.from}): "${signer.publisher}". Windows refuses a package signed by another publisher. ` +
      'Sign with the certificate the packages were built for, or build them again with this one (release build --only msix,sign-packages,checksum,manifest).',
  );
}
