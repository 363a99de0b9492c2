import type { ReleaseContext } from '../context/context.js';
import { CancelledError } from '../util/errors.js';
import { prepareStages, preflightFailure } from './execute.js';
import type { Selection } from './select.js';

/**
 * `release check`: what a run does before its first `go build`, and nothing after — every
 * selected stage's preparation (Stage.prepare: settings against what the release will hold,
 * input files, templates, the certificate) and the checks (gates: toolchain, main packages,
 * module integrity), all at once, every problem reported together. Nothing is built and nothing
 * is written: dist/ is neither claimed nor locked. Work a preparation started and does not
 * await (the timestamp-server probe) is stopped when it returns.
 */
export async function checkRelease(ctx: ReleaseContext, selection: Selection, runScope: AbortController): Promise<void> {
  const preparation = prepareStages(ctx, selection.run, false, () => undefined);
  const gates = selection.run.filter((s) => s.gate);
  try {
    const outcomes = await Promise.allSettled(
      gates.map(async (gate) => {
        await preparation.of(gate);
        if (gate.scope === 'release') await gate.run(ctx, ctx.signal);
        else for (const target of ctx.targets) await gate.run(ctx, target, ctx.signal);
      }),
    );
    // A gate stopped because its own preparation failed is not a problem of its own.
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected' && !(o.reason instanceof CancelledError && !ctx.signal.aborted));
    const passed = new CancelledError('nothing failed');
    const problem = await preflightFailure(failed?.reason ?? passed, preparation);
    if (problem !== passed) throw problem;
  } finally {
    runScope.abort(new CancelledError('the check is over'));
  }
}
