import { describe, expect, it } from 'vitest';
import { PROTOCOL_KEYWORDS, portLabel, protoKeyword, protoName, tcpFlagsText } from '../../src/net/protocols.js';

describe('protocol names: one definition', () => {
  it('display names and port labels as the API, reports and dashboards print them', () => {
    expect([1, 6, 17, 58, 47, 50, 132, 41].map(protoName)).toEqual(['ICMP', 'TCP', 'UDP', 'ICMPv6', 'GRE', 'ESP', 'SCTP', 'proto 41']);
    expect(portLabel(6, 37215)).toBe('37215/TCP');
    expect(portLabel(132, 2905)).toBe('2905/SCTP');
    expect(portLabel(1, 0)).toBe('ICMP');
  });

  it('keywords of machine formats are the display names in lower case, numbers for the rest', () => {
    expect([1, 6, 17, 58, 47].map(protoKeyword)).toEqual(['icmp', 'tcp', 'udp', 'icmpv6', '47']);
    for (const [keyword, proto] of PROTOCOL_KEYWORDS) expect(keyword).toBe(protoName(proto).toLowerCase());
  });

  it('tcp flags as tcpdump prints them', () => {
    expect(tcpFlagsText(0x02)).toBe('S');
    expect(tcpFlagsText(0x12)).toBe('S.');
    expect(tcpFlagsText(0x14)).toBe('R.');
  });
});
