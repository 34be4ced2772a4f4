/**
 * The parts of the /api/v1 answers the web view reads, written from the
 * route schemas in src/api/schemas.ts (documented in /openapi.json). The
 * browser side imports nothing from the server, so these are its own.
 */

export interface Range { readonly from: string; readonly to: string }
export type Grain = 'minute' | 'hour' | 'day';

export interface PortDescription {
  readonly label: string;
  readonly service: string;
  readonly description: string;
  readonly note: string;
}

export interface Summary {
  readonly range: Range;
  readonly grain: Grain;
  readonly totals: { readonly packets: number; readonly bytes: number; readonly sources: number; readonly destinations: number };
  readonly darknet: { readonly sensors: readonly string[]; readonly size: number | null; readonly packetsPerAddress: number | null };
  readonly research: { readonly label: string; readonly packets: number; readonly share: number };
  readonly classes: ReadonlyArray<{ readonly class: string; readonly packets: number; readonly share: number }>;
  readonly protocols: ReadonlyArray<{ readonly proto: number; readonly name: string; readonly packets: number; readonly share: number }>;
  readonly topPorts: {
    readonly ports: ReadonlyArray<PortDescription & { readonly rank: number; readonly proto: number; readonly port: number; readonly packets: number; readonly share: number; readonly sources: number }>;
    readonly share: number;
    readonly otherShare: number;
  };
  readonly topCountries: ReadonlyArray<{ readonly rank: number; readonly country: string; readonly sources: number; readonly packets: number; readonly share: number }>;
}

export interface SeriesPoint { readonly t: string; readonly packets: number; readonly sources: number }

export interface PortSeries extends PortDescription {
  readonly proto: number;
  readonly port: number;
  readonly range: Range;
  readonly grain: Grain;
  readonly interval: '1m' | '5m' | '1h' | '1d';
  readonly total: { readonly packets: number; readonly sources: number };
  readonly rank: number | null;
  readonly points: readonly SeriesPoint[];
}

export interface SourceMeasures {
  readonly packets: number;
  readonly bytes: number;
  readonly ports: number;
  readonly destinations: number;
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  readonly classes: { readonly scan: number; readonly backscatter: number; readonly other: number };
  readonly tools: readonly string[];
  readonly country: string;
  readonly asn: number;
  readonly label: string;
}

export interface TopSources {
  readonly range: Range;
  readonly grain: Grain;
  readonly sources: ReadonlyArray<SourceMeasures & { readonly rank: number; readonly ip: string; readonly ipVersion: number }>;
}

export interface SourceProfile {
  readonly ip: string;
  readonly ipVersion: number;
  readonly range: Range;
  readonly grain: Grain;
  readonly found: boolean;
  readonly totals: SourceMeasures;
  readonly ports: ReadonlyArray<PortDescription & { readonly proto: number; readonly port: number; readonly packets: number; readonly firstSeen: string; readonly lastSeen: string }>;
  readonly timeline: { readonly interval: '1h' | '1d'; readonly points: ReadonlyArray<{ readonly t: string; readonly packets: number }> };
  readonly fingerprints: {
    readonly range: Range | null;
    readonly top: ReadonlyArray<{ readonly ttl: number; readonly tcpWindow: number; readonly tcpFlags: number; readonly tcpFlagsText: string; readonly tcpOptions: boolean; readonly packets: number }>;
  };
}

export interface TrendEntry extends PortDescription {
  readonly rank: number;
  readonly proto: number;
  readonly port: number;
  readonly recent: { readonly packets: number; readonly sources: number; readonly targets: number };
  readonly baseline: { readonly packets: number; readonly sources: number; readonly targets: number };
  readonly trendScore: number | null;
  readonly zScore: number;
  readonly reasons: readonly string[];
}

export interface Trends {
  readonly windows: { readonly baseline: Range; readonly recent: Range };
  readonly grain: Grain;
  readonly params: { readonly recentDays: number; readonly baselineDays: number; readonly trendThreshold: number; readonly zThreshold: number };
  readonly spikes: readonly TrendEntry[];
  readonly newPorts: readonly TrendEntry[];
}

export interface Alert {
  readonly id: string;
  readonly rule: string;
  readonly kind: 'spike' | 'newPort';
  readonly state: 'firing' | 'resolved';
  readonly label: string;
  readonly service: string;
  readonly proto: number;
  readonly port: number;
  readonly scores: { readonly trendScore: number | null; readonly zScore: number; readonly reasons: readonly string[] };
  readonly firedAt: string;
  readonly lastSeenAt: string;
  readonly resolvedAt: string | null;
}

export interface AlertHistoryEntry {
  readonly seq: number;
  readonly at: string;
  readonly event: 'firing' | 'resolved';
  readonly alert: Alert;
}

export interface Alerts {
  readonly firing: readonly Alert[];
  readonly recent: readonly AlertHistoryEntry[];
}

/** Every API error body: `{"error":{code,message,hint}}`. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly hint: string };
}
