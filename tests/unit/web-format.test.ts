/** The web view's pure pieces: number and time formatting, CSV of what is shown, API error bodies and URLs. */
import { describe, expect, it } from 'vitest';
import { ApiError, apiUrl, errorFromResponse, networkError } from '../../src/web/api.js';
import { csvField, toCsv } from '../../src/web/csv.js';
import { formatAsn, formatBytes, formatCount, formatRange, formatScore, formatShare, formatTime, orDash } from '../../src/web/format.js';

describe('formatting', () => {
  it('counts keep every digit, grouped', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(400_000)).toBe('400,000');
    expect(formatCount(1_234_567_890)).toBe('1,234,567,890');
  });

  it('shares as percentages, small ones with two significant digits', () => {
    expect(formatShare(0)).toBe('0%');
    expect(formatShare(1)).toBe('100.0%');
    expect(formatShare(0.276045)).toBe('27.6%');
    expect(formatShare(0.00042)).toBe('0.042%');
  });

  it('scores with at most one decimal, a dash when there is none', () => {
    expect(formatScore(4522.6667)).toBe('4,522.7');
    expect(formatScore(3)).toBe('3');
    expect(formatScore(null)).toBe('–');
    expect(formatScore(Number.POSITIVE_INFINITY)).toBe('–');
  });

  it('bytes in decimal units', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(16_400_000)).toBe('16.4 MB');
    expect(formatBytes(2.5e12)).toBe('2.5 TB');
  });

  it('times in UTC to the minute', () => {
    expect(formatTime('2026-11-16T00:00:00Z')).toBe('2026-11-16 00:00 UTC');
    expect(formatTime('2026-11-16T09:30:00+09:00')).toBe('2026-11-16 00:30 UTC');
    expect(formatTime(null)).toBe('–');
    expect(formatTime('not a time')).toBe('–');
    expect(formatRange({ from: '2026-11-30T16:00:00Z', to: '2026-12-07T16:00:00Z' })).toBe('2026-11-30 16:00 – 2026-12-07 16:00 UTC');
  });

  it('unknowns as dashes', () => {
    expect(formatAsn(0)).toBe('–');
    expect(formatAsn(4134)).toBe('AS4134');
    expect(orDash('')).toBe('–');
    expect(orDash('CN')).toBe('CN');
  });
});

describe('CSV of a shown table', () => {
  it('RFC 4180: CRLF, quotes doubled, fields with commas, quotes or line breaks quoted; null empty', () => {
    expect(toCsv({ name: 't', columns: ['port', 'note', 'share', 'x'], rows: [['23/TCP', 'Telnet, by "Mirai"', 0.5, null], ['53/UDP', 'two\nlines', 1, true]] }))
      .toBe('port,note,share,x\r\n23/TCP,"Telnet, by ""Mirai""",0.5,\r\n53/UDP,"two\nlines",1,true\r\n');
  });

  it('text that a spreadsheet would run as a formula gets an apostrophe; numbers stay numbers', () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvField('+1+1')).toBe("'+1+1");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('-12.5')).toBe('-12.5');
    expect(csvField(-3)).toBe('-3');
    expect(csvField('research')).toBe('research');
  });
});

describe('API answers', () => {
  it('request URLs sit under the page\'s directory (so a reverse-proxy prefix works)', () => {
    const p = new URLSearchParams({ from: '-7d', excludeLabel: 'research' });
    expect(apiUrl('http://127.0.0.1:8080/#/ports/tcp/23?from=-7d', 'ports/tcp/23/series', p)).toBe('http://127.0.0.1:8080/api/v1/ports/tcp/23/series?from=-7d&excludeLabel=research');
    expect(apiUrl('https://example.org/darkscope/?x=1#/', 'summary', new URLSearchParams())).toBe('https://example.org/darkscope/api/v1/summary');
  });

  it('a darkscope error body keeps its code, message and hint', () => {
    const e = errorFromResponse(401, 'Unauthorized', '{"error":{"code":"DARKSCOPE_E_UNAUTHORIZED","message":"this API needs a bearer token","hint":"Send a token."}}');
    expect(e).toBeInstanceOf(ApiError);
    expect({ status: e.status, code: e.code, message: e.message, hint: e.hint, needsToken: e.needsToken })
      .toEqual({ status: 401, code: 'DARKSCOPE_E_UNAUTHORIZED', message: 'this API needs a bearer token', hint: 'Send a token.', needsToken: true });
  });

  it('anything else says which status came back and from where it likely came', () => {
    const e = errorFromResponse(502, 'Bad Gateway', '<html>nginx</html>');
    expect({ code: e.code, message: e.message, needsToken: e.needsToken })
      .toEqual({ code: 'HTTP_502', message: 'the server answered 502 Bad Gateway without a darkscope error body', needsToken: false });
    expect(e.hint).toContain('proxy');
    expect(errorFromResponse(500, '', '{"error":"text"}').code).toBe('HTTP_500');
    const n = networkError(new TypeError('Failed to fetch'));
    expect({ status: n.status, code: n.code, message: n.message }).toEqual({ status: 0, code: 'NETWORK', message: 'the darkscope server did not answer (Failed to fetch)' });
  });
});
