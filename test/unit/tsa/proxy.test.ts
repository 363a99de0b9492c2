// Which proxy a time-stamp server URL goes through: the rules curl and osslsigncode follow.

import { describe, expect, it } from 'vitest';
import { proxyFor } from '../../../src/tsa/proxy.js';

describe('proxyFor', () => {
  const at = (url: string, env: NodeJS.ProcessEnv) => proxyFor(new URL(url), env)?.href;
  it('reads http_proxy for http and https_proxy for https, lower case first', () => {
    expect(at('http://tsa.example.com/', { http_proxy: 'http://p:3128', HTTP_PROXY: 'http://other:1' })).toBe('http://p:3128/');
    expect(at('http://tsa.example.com/', { HTTP_PROXY: 'proxy.corp:8080' })).toBe('http://proxy.corp:8080/');
    expect(at('https://tsa.example.com/', { http_proxy: 'http://p:3128' })).toBeUndefined();
    expect(at('https://tsa.example.com/', { HTTPS_PROXY: 'http://p:3128' })).toBe('http://p:3128/');
    expect(at('http://tsa.example.com/', {})).toBeUndefined();
  });
  it('honours no_proxy: exact hosts, domain suffixes, ports and *', () => {
    const env = (no_proxy: string) => ({ http_proxy: 'http://p:3128', no_proxy });
    expect(at('http://tsa.example.com/', env('example.com'))).toBeUndefined();
    expect(at('http://tsa.example.com/', env('.example.com'))).toBeUndefined();
    expect(at('http://tsa.example.com/', env('other.com, tsa.example.com'))).toBeUndefined();
    expect(at('http://tsa.example.com:8080/', env('tsa.example.com:80'))).toBe('http://p:3128/');
    expect(at('http://notexample.com/', env('example.com'))).toBe('http://p:3128/');
    expect(at('http://127.0.0.1:9/', env('*'))).toBeUndefined();
  });
});
