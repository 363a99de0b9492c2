import { describe, expect, it } from 'vitest';
import { ProblemsError, problemsMessage, problemsOf, StageError, UsageError } from '../../../src/util/errors.js';

describe('problems reported together', () => {
  it('one problem is itself; several are a ProblemsError, flattened, exit 2 only when all are usage errors', () => {
    const one = new UsageError('a');
    expect(problemsOf([one])).toBe(one);
    expect(problemsOf([])).toBeUndefined();
    const nested = problemsOf([new UsageError('a'), new ProblemsError([new UsageError('b'), new UsageError('c')])]) as ProblemsError;
    expect(nested.problems.map((p) => p.message)).toEqual(['a', 'b', 'c']);
    expect(nested.exitCode).toBe(2);
    expect((problemsOf([new UsageError('a'), new StageError('b')]) as ProblemsError).exitCode).toBe(1);
    expect(problemsOf([new UsageError('a'), new UsageError('b')], (n) => `${n} problems:`)!.message).toBe('2 problems:\n  a\n  b');
  });

  it('shows a screenful: whole problems while they fit, then how many are left; a first problem longer than a screen is cut', () => {
    const lines = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}`).join('\n');
    expect(problemsMessage([lines(15, 'a'), lines(10, 'b'), 'c'], undefined, 20).split('\n')).toEqual([...lines(15, 'a').split('\n'), '… and 2 more problems (--json lists every problem)']);
    expect(problemsMessage([lines(30, 'a'), 'b'], undefined, 20).split('\n')).toEqual([...lines(20, 'a').split('\n'), '… and 10 more lines (--json lists every problem whole)', '… and 1 more problem (--json lists every problem)']);
    expect(problemsMessage(['x', 'y'], undefined, 20)).toBe('x\ny');
  });
});
