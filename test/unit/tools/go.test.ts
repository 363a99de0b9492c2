import { describe, expect, it } from 'vitest';
import { formatCommand, redact } from '../../../src/tools/redact.js';
import { goBuildArgs, goBuildEnv, checkGoVersion } from '../../../src/tools/go.js';

describe('go command lines (golden)', () => {
  it('builds the exact argv and environment', () => {
    const spec = {
      cwd: '/p', main: 'cmd/app', output: '/p/dist/app.exe', goarch: 'arm64' as const,
      ldflags: '-s -w -X main.version=1.0.0', tags: ['netgo', 'prod'], flags: ['-v'], env: { GOAMD64: 'v2', CGO_ENABLED: '1' }, buildvcs: false,
    };
    expect(formatCommand(['go', ...goBuildArgs(spec)], goBuildEnv(spec))).toBe(
      "CGO_ENABLED=0 GOAMD64=v2 GOARCH=arm64 GOOS=windows go build -trimpath -buildvcs=false -tags netgo,prod -v -ldflags '-s -w -X main.version=1.0.0' -o /p/dist/app.exe ./cmd/app",
    );
  });
  it('rejects a Go too old for the flags we use', () => {
    expect(() => checkGoVersion('go1.17.13')).toThrow('go1.17.13 is too old: winship builds with -trimpath and -buildvcs, which need Go 1.18 or newer');
    expect(() => checkGoVersion('go1.18')).not.toThrow();
  });
  it('quotes and redacts like a shell would show it', () => {
    expect(formatCommand(['a', "it's", 'b c', ''])).toBe(`a 'it'\\''s' 'b c' ''`);
    expect(redact('pass=abc abcdef', ['abc', 'abcdef'])).toBe('pass=*** ***');
  });
});
