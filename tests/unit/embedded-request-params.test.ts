import { describe, expect, it } from 'vitest';
import { EngineError, failureOf, httpStatusForCode } from '../../src/store/embedded/engine-errors.js';
import { readRequestParams } from '../../src/store/embedded/request-params.js';

const read = (url: string, headers: Record<string, string> = {}) => readRequestParams({ url, headers });

describe('readRequestParams', () => {
  it('splits settings, query parameters and the interface\'s own parameters', () => {
    const p = read('/?query=SELECT%201&database=db&default_format=JSON&query_id=q1&max_execution_time=5&param_port=23&readonly=1&wait_end_of_query=1');
    expect(p).toMatchObject({ query: 'SELECT 1', database: 'db', defaultFormat: 'JSON', queryId: 'q1', user: 'default', password: '' });
    expect(p.settings).toEqual([['max_execution_time', '5'], ['readonly', '1']]);
    expect(p.params).toEqual([['port', '23']]);
  });

  it('takes credentials from basic auth, then X-ClickHouse-User/-Key, then the URL', () => {
    expect(read('/', { authorization: `Basic ${Buffer.from('default:s3:cret').toString('base64')}` })).toMatchObject({ user: 'default', password: 's3:cret' });
    expect(read('/', { 'x-clickhouse-user': 'u', 'x-clickhouse-key': 'k' })).toMatchObject({ user: 'u', password: 'k' });
    expect(read('/?user=a&password=b')).toMatchObject({ user: 'a', password: 'b' });
  });

  it('refuses names that are not identifiers and sessions', () => {
    expect(() => read('/?max%20threads=1')).toThrow(EngineError);
    expect(() => read('/?param_a-b=1')).toThrow(/not a valid identifier/);
    expect(() => read('/?database=a.b')).toThrow(/not a plain identifier/);
    expect(() => read('/?session_id=x')).toThrow(/Sessions/);
  });
});

describe('engine errors', () => {
  it('answers with the status a ClickHouse server gives the code', () => {
    expect(httpStatusForCode(60)).toBe(404);
    expect(httpStatusForCode(62)).toBe(400);
    expect(httpStatusForCode(516)).toBe(403);
    expect(httpStatusForCode(194)).toBe(401);
    expect(httpStatusForCode(159)).toBe(408);
    expect(httpStatusForCode(241)).toBe(500);
  });

  it('writes the server\'s exception text, keeping an engine message\'s code', () => {
    expect(failureOf(new EngineError(62, 'Multi-statements are not allowed'), '26.7.2.1').text)
      .toBe('Code: 62. DB::Exception: Multi-statements are not allowed. (SYNTAX_ERROR) (version 26.7.2.1)');
    const f = failureOf(new Error('Code: 47. DB::Exception: Unknown identifier x. (UNKNOWN_IDENTIFIER)'), '26.7.2.1');
    expect(f.code).toBe(47);
    expect(f.text).toBe('Code: 47. DB::Exception: Unknown identifier x. (UNKNOWN_IDENTIFIER) (version 26.7.2.1)');
    expect(failureOf(new Error('boom'), 'v').code).toBe(1002);
  });
});
