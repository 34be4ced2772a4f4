/**
 * The usual command-line route: `tshark -T fields` piped into
 * `clickhouse-client --query "INSERT ... FORMAT TSV"`. 18.16 cannot convert
 * text addresses during an INSERT ... FORMAT, so the fields land in a staging
 * table first and one INSERT ... SELECT moves them into the raw table (which
 * fires the same materialized views); both steps are timed together. tshark
 * knows no darkscope classes, tools or enrichment: those columns take their
 * defaults.
 */
import { execFileSync, spawnSync } from 'node:child_process';

export function ensureTshark(): boolean {
  if (spawnSync('tshark', ['--version']).status === 0) return true;
  process.stderr.write('bench: tshark missing, installing it from Debian (apt-get install -y tshark)\n');
  const r = spawnSync('bash', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tshark'], { stdio: 'inherit' });
  return r.status === 0 && spawnSync('tshark', ['--version']).status === 0;
}

const FIELDS = ['frame.time_epoch', 'ip.src', 'ip.dst', 'ip.proto', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'tcp.flags', 'ip.ttl', 'ip.id', 'tcp.seq_raw', 'tcp.window_size_value', 'ip.len', 'icmp.type', 'icmp.code'];

/** The shell pipeline the benchmark runs (with a staging table created beforehand). */
export function tsharkPipeline(file: string, tcpPort: number, database: string): string {
  const fields = FIELDS.map((f) => `-e ${f}`).join(' ');
  const stage = `${database}.tshark_stage`;
  return [
    `tshark -n -r '${file}' -T fields -E separator=/t -E occurrence=f ${fields}`,
    `| clickhouse-client --port ${tcpPort} --query "INSERT INTO ${stage} FORMAT TSV"`,
    `&& clickhouse-client --port ${tcpPort} --query "INSERT INTO ${database}.packets (sensor, ts, ts_us, ip_version, src, dst, proto, sport, dport, tcp_flags, ttl, ip_id, tcp_seq, tcp_window, ip_len, icmp_type, icmp_code)
       SELECT 'tshark', toDateTime(toUInt32(toFloat64(t))), toUInt32((toFloat64(t) - floor(toFloat64(t))) * 1000000), 4,
              IPv4StringToNum(src), IPv4StringToNum(dst), toUInt8OrZero(proto),
              toUInt16OrZero(if(tsport != '', tsport, usport)), toUInt16OrZero(if(tdport != '', tdport, udport)),
              reinterpretAsUInt16(reverse(unhex(substring(flags, 3)))), toUInt8OrZero(ttl), reinterpretAsUInt16(reverse(unhex(substring(ipid, 3)))),
              toUInt32OrZero(seq), toUInt16OrZero(win), toUInt32OrZero(len), toUInt8OrZero(itype), toUInt8OrZero(icode)
       FROM ${stage} WHERE src != ''"`,
  ].join(' ');
}

export function createStage(tcpPort: number, database: string): void {
  execFileSync('clickhouse-client', ['--port', String(tcpPort), '--query',
    `CREATE TABLE ${database}.tshark_stage (t String, src String, dst String, proto String, tsport String, tdport String, usport String, udport String, flags String, ttl String, ipid String, seq String, win String, len String, itype String, icode String) ENGINE = Log`]);
}
