import { ToolFailedError, type Tool, type ToolRunner } from './runner.js';

export const xmllint: Tool = { name: 'xmllint', command: 'xmllint', install: 'apt-get install libxml2-utils (macOS: part of the system)' };

/** Validate `file` against the XSD `schema`: the problems xmllint reports, [] when it validates. */
export async function xmlSchemaProblems(runner: ToolRunner, file: string, schema: string, signal?: AbortSignal): Promise<string[]> {
  try {
    await runner.run({ tool: xmllint, args: ['--noout', '--nonet', '--schema', schema, file], timeoutMs: 120_000, readOnly: true, input: '', ...(signal ? { signal } : {}) });
    return [];
  } catch (err) {
    if (!(err instanceof ToolFailedError) || err.timedOut) throw err;
    const lines = err.raw.stderr.split(/\r?\n/).filter((l) => l && !/ fails to validate$/.test(l) && !/ validates$/.test(l));
    return lines.length ? lines.map((l) => l.replace(`${file}:`, 'line ')) : [`xmllint exited with code ${err.toolExitCode}`];
  }
}
