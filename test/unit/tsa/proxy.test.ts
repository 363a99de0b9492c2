// Which proxy a time-stamp server URL goes through: the rules curl and osslsigncode follow.

import { describe, expect, it } from 'vitest';
import { proxyFor } from '../../../src/tsa/proxy.js';
import { connectAuthority, proxyAuthorization } from '../../../src/tsa/tunnel.js';

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

describe('the CONNECT request for an https:// server behind a proxy (tunnel.ts)', () => {
  it('names the server as host:port, with the default port and IPv6 brackets', () => {
    expect(connectAuthority(new URL('https://tsa.example.com/'))).toBe('tsa.example.com:443');
    expect(connectAuthority(new URL('https://u:p@tsa.example.com:8443/x?y'))).toBe('tsa.example.com:8443');
    expect(connectAuthority(new URL('https://[2001:db8::1]/'))).toBe('[2001:db8::1]:443');
  });
  it('sends the proxy URL\'s credentials as Basic Proxy-Authorization, percent-decoded', () => {
    expect(proxyAuthorization(new URL('http://me:s%40fe@p:3128'))).toBe(`Basic ${Buffer.from('me:s@fe').toString('base64')}`);
    expect(proxyAuthorization(new URL('http://me@p:3128'))).toBe(`Basic ${Buffer.from('me:').toString('base64')}`);
    expect(proxyAuthorization(new URL('http://p:3128'))).toBeUndefined();
  });
});
