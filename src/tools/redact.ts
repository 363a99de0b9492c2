/** Replace every secret in `text` with `***`. Longest first, so a secret containing another is fully hidden. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join('***');
  }
  return out;
}

const SAFE_ARG = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** POSIX-shell quoting, for printing a command line a user can copy and run. */
export function shellQuote(arg: string): string {
  if (arg === '') return "''";
  return SAFE_ARG.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** `KEY=V KEY2=V2 prog arg…`, the way a user would type it. */
export function formatCommand(argv: readonly string[], env: Readonly<Record<string, string>> = {}): string {
  const envPart = Object.keys(env)
    .sort()
    .map((k) => `${k}=${shellQuote(env[k]!)}`);
  return [...envPart, ...argv.map(shellQuote)].join(' ');
}
