/** Service names, CSV, and the CLI's table / Markdown renderers. */
import { describe, expect, it } from 'vitest';
import { fmtInt, fmtShare, renderMarkdown, renderText } from '../../src/cli/format/table-text.js';
import { parsePortSpec } from '../../src/query/filters.js';
import { portLabel } from '../../src/net/protocols.js';
import { describePort, serviceInfo } from '../../src/query/services.js';
import { toCsv, type Table } from '../../src/query/result-tables.js';

describe('ports and services', () => {
  it('labels ports like NICTER reports', () => {
    expect(portLabel(6, 23)).toBe('23/TCP');
    expect(portLabel(17, 53)).toBe('53/UDP');
    expect(portLabel(1, 0)).toBe('ICMP');
    expect(portLabel(58, 0)).toBe('ICMPv6');
    expect(portLabel(41, 0)).toBe('proto 41');
  });

  it('names services from IANA plus darkscope notes for IoT targets', () => {
    expect(serviceInfo(6, 23)).toEqual({ name: 'telnet', description: 'Telnet', note: 'Telnet: default-credential logins by Mirai and its variants' });
    expect(serviceInfo(6, 2323).note).toMatch(/Mirai/);
    expect(serviceInfo(6, 37215)).toEqual({ name: '', description: '', note: 'Huawei HG532 router UPnP (CVE-2017-17215), exploited by Satori/Mirai variants' });
    expect(serviceInfo(6, 52869).note).toMatch(/CVE-2014-8361/);
    expect(serviceInfo(6, 5555).note).toMatch(/Android Debug Bridge/);
    expect(serviceInfo(6, 7547)).toMatchObject({ name: 'cwmp', note: expect.stringMatching(/TR-069/) });
    expect(serviceInfo(17, 53).name).toBe('domain');
    expect(serviceInfo(6, 0)).toEqual({ name: '', description: '', note: '' });
    expect(serviceInfo(1, 0)).toEqual({ name: '', description: '', note: '' });
    expect(describePort(6, 443)).toMatchObject({ label: '443/TCP', service: 'https' });
  });

  it('parses port arguments', () => {
    expect(parsePortSpec('23/tcp')).toEqual({ proto: 6, port: 23 });
    expect(parsePortSpec('53/UDP')).toEqual({ proto: 17, port: 53 });
    expect(parsePortSpec('2323')).toEqual({ proto: 6, port: 2323 });
    expect(parsePortSpec('icmp')).toEqual({ proto: 1, port: 0 });
    expect(() => parsePortSpec('23/tcp; DROP')).toThrow(/must look like 23\/tcp/);
  });
});

const table: Table = {
  columns: [{ key: 'name', title: 'Name', kind: 'text' }, { key: 'n', title: 'Packets', kind: 'count' }, { key: 'share', title: 'Share', kind: 'share' }],
  rows: [['plain', 1234567, 0.5], ['a,b "q"\nz', 3, 0.0004], ['pipe|x', null, 0]],
};

describe('output', () => {
  it('CSV follows RFC 4180', () => {
    expect(toCsv(table)).toBe('name,n,share\r\nplain,1234567,0.5\r\n"a,b ""q""\nz",3,0.0004\r\npipe|x,,0\r\n');
  });

  it('aligned text right-aligns numbers and formats them', () => {
    expect(fmtInt(1234567)).toBe('1,234,567');
    expect(fmtShare(0.1234)).toBe('12.3%');
    expect(fmtShare(0.0004)).toBe('0.04%');
    expect(renderText(table)).toBe([
      'Name         Packets  Share',
      '---------  ---------  -----',
      'plain      1,234,567  50.0%',
      'a,b "q" z          3  0.04%',
      'pipe|x                 0.0%',
    ].join('\n'));
  });

  it('Markdown escapes pipes', () => {
    expect(renderMarkdown(table).split('\n')[0]).toBe('| Name | Packets | Share |');
    expect(renderMarkdown(table).split('\n')[1]).toBe('| --- | ---: | ---: |');
    expect(renderMarkdown(table)).toContain('| pipe\\|x |  | 0.0% |');
  });
});
