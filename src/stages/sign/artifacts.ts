import type { Artifact } from '../../artifacts/registry.js';
import type { ReleaseContext } from '../../context/context.js';
import type { SigningPlan } from '../../signing/plan.js';
import { signConfig } from '../../signing/settings.js';

type Signable = 'binary' | 'msi' | 'msix';

/** Why a signing stage has nothing to do, or false. */
export function signingSkipReason(ctx: ReleaseContext, kinds: readonly Signable[]): string | false {
  const sign = signConfig(ctx);
  if (!sign) return 'no sign: section in release.yaml (or --dev-cert)';
  if (sign.disabled) return 'sign.disabled is set';
  if (!kinds.some((k) => sign.artifacts.includes(k))) return `sign.artifacts does not list ${kinds.join(' or ')}`;
  return false;
}

/** The plan is made once per run: one probe of the timestamp servers, one limiter for every file. */
export function signingPlan(ctx: ReleaseContext): Promise<SigningPlan> {
  return ctx.once('signing-plan', async () => (await import('../../signing/plan.js')).makeSigningPlan(ctx, signConfig(ctx)!));
}

/** Sign and verify `artifacts` in place, and record who signed and when on each. */
export async function signArtifacts(ctx: ReleaseContext, artifacts: readonly Artifact[]): Promise<void> {
  if (artifacts.length === 0) return;
  const plan = await signingPlan(ctx);
  const { signWithPlan } = await import('../../signing/plan.js');
  const records = await signWithPlan(ctx, plan, artifacts.map((a) => a.path));
  const byPath = new Map(records.map((r) => [r.file, r]));
  for (const a of artifacts) {
    const r = byPath.get(a.path);
    if (!r || ctx.runner.dryRun) continue;
    a.extra.signature = {
      signer: r.signerSubject,
      digest: r.digest,
      timestampServer: r.timestampServer,
      timestampTime: r.timestampTime,
      attempts: r.attempts.length,
      ...(ctx.options.devCert ? { devCert: true } : {}),
    };
  }
}
