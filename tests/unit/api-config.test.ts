import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { tokenMatches } from '../../src/api/auth.js';
import { validationMessage } from '../../src/api/errors.js';
import { loadConfig } from '../../src/config.js';

describe('API and query settings', () => {
  it('defaults', () => {
    const c = loadConfig({});
    expect(c.api).toEqual({ host: '127.0.0.1', port: 8080, tokens: [], maxRangeDays: 400, rateLimitPerMinute: 600, trustProxy: [] });
    expect(c.query).toEqual({ timeoutSec: 10, maxResultRows: 1_000_000, maxMemoryBytes: 4_000_000_000, cacheSec: 10 });
    expect(Object.isFrozen(c.api.tokens)).toBe(true);
  });

  it('reads the environment, with flags winning', () => {
    const c = loadConfig({
      DARKSCOPE_API_HOST: '0.0.0.0', DARKSCOPE_API_PORT: '9000', DARKSCOPE_API_TOKENS: ' aaaaaaaaaaaaaaaa , bbbbbbbbbbbbbbbbbb ',
      DARKSCOPE_API_MAX_RANGE_DAYS: '31', DARKSCOPE_API_RATE_LIMIT: '0', DARKSCOPE_QUERY_TIMEOUT_SEC: '30',
      DARKSCOPE_API_TRUST_PROXY: 'loopback',
    }, { host: '::', port: '0', trustProxy: ['10.0.0.0/8', 'fd00::/8', '::1'] });
    expect(c.api).toEqual({
      host: '::', port: 0, tokens: ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbb'], maxRangeDays: 31, rateLimitPerMinute: 0,
      trustProxy: ['10.0.0.0/8', 'fd00::/8', '::1'],
    });
    expect(loadConfig({ DARKSCOPE_API_TRUST_PROXY: ' 127.0.0.1, uniquelocal ' }).api.trustProxy).toEqual(['127.0.0.1', 'uniquelocal']);
    expect(c.query.timeoutSec).toBe(30);
    expect(loadConfig({ DARKSCOPE_QUERY_CACHE_SEC: '60' }, { queryCacheSec: '0' }).query.cacheSec).toBe(0);
  });

  it('rejects bad values with exact messages (never echoing a token)', () => {
    const msg = (env: Record<string, string>, o = {}) => {
      try {
        loadConfig(env, o);
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(msg({ DARKSCOPE_API_PORT: '70000' })).toBe('"DARKSCOPE_API_PORT" value 70000 is more than max allowed 65535');
    expect(msg({}, { port: 'http' })).toBe('--port value "http" is not an integer');
    expect(msg({ DARKSCOPE_QUERY_TIMEOUT_SEC: '0' })).toBe('"DARKSCOPE_QUERY_TIMEOUT_SEC" value 0 is less than min allowed 1');
    expect(msg({ DARKSCOPE_QUERY_CACHE_SEC: '3601' })).toBe('"DARKSCOPE_QUERY_CACHE_SEC" value 3601 is more than max allowed 3600');
    expect(msg({ DARKSCOPE_API_MAX_RANGE_DAYS: '0' })).toBe('"DARKSCOPE_API_MAX_RANGE_DAYS" value 0 is less than min allowed 1');
    expect(msg({ DARKSCOPE_API_RATE_LIMIT: '-1' })).toBe('"DARKSCOPE_API_RATE_LIMIT" value -1 is less than min allowed 0');
    expect(msg({ DARKSCOPE_API_TRUST_PROXY: '10.0.0.0/33' }))
      .toBe('"DARKSCOPE_API_TRUST_PROXY" entry "10.0.0.0/33" is not an address, a CIDR (e.g. 10.0.0.0/8) or one of loopback, linklocal, uniquelocal');
    expect(msg({}, { trustProxy: ['true'] })).toBe('--trust-proxy entry "true" is not an address, a CIDR (e.g. 10.0.0.0/8) or one of loopback, linklocal, uniquelocal');
    expect(msg({}, { trustProxy: ['nginx.local'] })).toMatch(/^--trust-proxy entry "nginx.local" is not an address/);
    expect(msg({ DARKSCOPE_QUERY_MAX_MEMORY_BYTES: '1000' })).toBe('"DARKSCOPE_QUERY_MAX_MEMORY_BYTES" value 1000 is less than min allowed 10000000');
    expect(msg({ DARKSCOPE_API_TOKENS: 'aaaaaaaaaaaaaaaa,short-secret' })).toBe('"DARKSCOPE_API_TOKENS" token #2 has 12 characters, fewer than min allowed 16');
    expect(msg({ DARKSCOPE_API_TOKENS: 'aaaaaaaa aaaaaaaaaa' })).toBe('"DARKSCOPE_API_TOKENS" token #1 must be printable ASCII without spaces');
    expect(msg({}, { host: 'a b' })).toBe('API host "a b" must be an address or host name (e.g. 127.0.0.1, 0.0.0.0, ::)');
  });
});

describe('token comparison', () => {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  it('matches exactly one of the configured tokens', () => {
    const tokens = [digest('aaaaaaaaaaaaaaaa'), digest('bbbbbbbbbbbbbbbb')];
    expect(tokenMatches('bbbbbbbbbbbbbbbb', tokens)).toBe(true);
    expect(tokenMatches('bbbbbbbbbbbbbbb', tokens)).toBe(false);
    expect(tokenMatches('', tokens)).toBe(false);
    expect(tokenMatches('aaaaaaaaaaaaaaaa', [])).toBe(false);
  });
});

describe('validation messages', () => {
  it('name the parameter', () => {
    expect(validationMessage('querystring', [{ keyword: 'additionalProperties', params: { additionalProperty: 'lmit' } }])).toBe('unknown querystring parameter "lmit"');
    expect(validationMessage('querystring', [{ keyword: 'maximum', instancePath: '/limit', message: 'must be <= 10000' }])).toBe('querystring parameter "limit" must be <= 10000');
    expect(validationMessage('params', [{ keyword: 'enum', instancePath: '/x', message: 'must be equal to one of the allowed values', params: { allowedValues: ['a', 'b'] } }]))
      .toBe('params parameter "x" must be equal to one of the allowed values: a, b');
  });
});
