/**
 * Gateway metrics: hot-path counters and latency histograms kept in typed arrays, exported through a
 * prom-client Registry (Prometheus text at /metrics) and as a JSON snapshot (/api/stats, the dashboard).
 *
 * Why not prom-client's label children on the hot path: `counter.labels(x).inc()` hashes the label
 * object and allocates on every call. Here a hot-path call is a Map lookup (msgType → slot, the slot
 * allocated once per distinct msgType, bounded) and an increment into a Float64Array. The prom-client
 * metrics are brought up to date from the arrays when scraped (their `collect` hooks), which is off the
 * hot path; the latency histograms are exported by a small metric object of our own registered in the
 * same Registry (prom-client's Histogram cannot take pre-bucketed counts).
 *
 * Metrics (prefix `gateway_`):
 *   messages_in_total{msg_type}, messages_out_total{msg_type}      counters
 *   rejects_total{kind="session"|"business"|"trade"}                 counters (35=3, 35=j, AR with 751)
 *   trades_accepted_total                                            counter
 *   stage_latency_seconds{stage}                                     histogram, 1 µs … 100 ms (1-2-5)
 *   journal_lag_bytes                                                gauge (end − durable position)
 *   ring_used_bytes{ring}, ring_capacity_bytes{ring}                 gauges
 *   sessions_logged_on                                               gauge
 * plus prom-client's default process metrics (process_*, nodejs_*) unless disabled.
 *
 * Thread: owned by the gateway's JS thread (the one that runs the session layer and the engine); the
 * native agents never call it. Gauges that are cheaper to read than to maintain (journal lag, ring
 * occupancy, sessions) can be sampled at scrape time with `addCollector`.
 */
import { collectDefaultMetrics, Counter, Gauge, type Metric, Registry } from 'prom-client';
import { TradeStage } from '../generated/gateway-internal/TradeStage.js';

/** Reject kinds (label `kind` of gateway_rejects_total). */
export const RejectKind = {
  /** Session-level Reject (35=3). */
  Session: 0,
  /** BusinessMessageReject (35=j). */
  Business: 1,
  /** TradeCaptureReportAck rejected (939=1, TrdRptRejectReason 751). */
  Trade: 2,
} as const;
export type RejectKind = (typeof RejectKind)[keyof typeof RejectKind];
const REJECT_LABELS = ['session', 'business', 'trade'] as const;

/**
 * Latency stage slots. 0..10 are the engine's TradeStage codes (the time from the previous stage to
 * this one); the gateway adds two of its own.
 */
export const Stage = {
  Received: TradeStage.Received,
  Validated: TradeStage.Validated,
  Enriched: TradeStage.Enriched,
  RiskChecked: TradeStage.RiskChecked,
  Matched: TradeStage.Matched,
  Novated: TradeStage.Novated,
  Netted: TradeStage.Netted,
  MarginOk: TradeStage.MarginOk,
  PendingSettlement: TradeStage.PendingSettlement,
  Settled: TradeStage.Settled,
  Failed: TradeStage.Failed,
  /** Journal append → durable (group commit / fsync). */
  Journal: 11,
  /** Inbound message received → reply handed to the transport (the gateway's whole turn). */
  RoundTrip: 12,
} as const;
const STAGE_COUNT = 13;
/** Label of each stage slot ("received", "risk_checked", …, "journal", "round_trip"). */
export const STAGE_LABELS: readonly string[] = (() => {
  const names: string[] = new Array<string>(STAGE_COUNT).fill('');
  for (const [k, v] of Object.entries(Stage)) names[v] = k.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return names;
})();

/** Histogram upper bounds, seconds: 1-2-5 from 1 µs to 100 ms (plus +Inf). */
export const LATENCY_BOUNDS_SECONDS: readonly number[] = [
  0.000001, 0.000002, 0.000005, 0.00001, 0.00002, 0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1,
];
/** Same bounds in nanoseconds (what observeStageNs compares with: integers, exact). */
const BOUNDS_NS = new Float64Array(LATENCY_BOUNDS_SECONDS.map((s) => Math.round(s * 1e9)));
const NB = BOUNDS_NS.length + 1;
/** `le` label text of each bucket, fixed (not Number#toString, which would print 1e-7 style for small values). */
const LE_LABELS: readonly string[] = [
  '0.000001', '0.000002', '0.000005', '0.00001', '0.00002', '0.00005', '0.0001', '0.0002', '0.0005', '0.001', '0.002', '0.005', '0.01', '0.02', '0.05', '0.1', '+Inf',
];

/** At most this many distinct msgType labels per direction; the rest count under "other". */
export const MAX_MSG_TYPES = 64;

/** Counts per label, growing up to a bound: slot 0 is "other". Gateway thread. */
class LabelCounts {
  readonly slots = new Map<string, number>();
  readonly labels: string[] = ['other'];
  counts = new Float64Array(16);

  slot(label: string): number {
    const s = this.slots.get(label);
    if (s !== undefined) return s;
    if (this.labels.length >= MAX_MSG_TYPES + 1) return 0;
    const n = this.labels.length;
    this.labels.push(label);
    this.slots.set(label, n);
    if (n >= this.counts.length) {
      const c = new Float64Array(this.counts.length * 2);
      c.set(this.counts);
      this.counts = c;
    }
    return n;
  }

  inc(label: string): void {
    const s = this.slot(label); // before reading this.counts: slot() may replace the array
    this.counts[s]++;
  }
}

/** One value of prom-client's metric `get()` shape (what Registry formats). */
interface PromValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/**
 * The stage latency histogram as a prom-client metric object: Registry calls only `get()` (and `reset()`
 * from resetMetrics), so this duck-typed object is registered with `registerMetric`.
 */
class StageHistogramMetric {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly owner: GatewayMetrics,
  ) {}

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: PromValue[] }> {
    this.owner.refresh();
    const values: PromValue[] = [];
    const h = this.owner.stageSnapshot();
    for (const s of h) {
      if (s.count === 0) continue;
      let cum = 0;
      for (let b = 0; b < NB; b++) {
        cum += s.buckets[b]!;
        values.push({ labels: { stage: s.stage, le: LE_LABELS[b]! }, value: cum, metricName: `${this.name}_bucket` });
      }
      values.push({ labels: { stage: s.stage }, value: s.sumSeconds, metricName: `${this.name}_sum` });
      values.push({ labels: { stage: s.stage }, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.owner.resetStages();
  }
}

export interface StageStats {
  stage: string;
  count: number;
  sumSeconds: number;
  /** Per-bucket counts (not cumulative), LATENCY_BOUNDS_SECONDS.length + 1 entries (last: +Inf). */
  buckets: number[];
}

/** JSON snapshot for /api/stats and the dashboard. */
export interface MetricsSnapshot {
  timeMs: number;
  messagesIn: { total: number; byType: Record<string, number> };
  messagesOut: { total: number; byType: Record<string, number> };
  rejects: { session: number; business: number; trade: number };
  tradesAccepted: number;
  sessionsLoggedOn: number;
  journalLagBytes: number;
  rings: { ring: string; usedBytes: number; capacityBytes: number }[];
  latencyBoundsSeconds: readonly number[];
  stages: StageStats[];
}

export interface GatewayMetricsOptions {
  /** prom-client default process/runtime metrics (process_*, nodejs_*); default true. */
  defaultMetrics?: boolean;
  /** Clock for snapshots (epoch ms); default Date.now. */
  now?: () => number;
}

/** See the file comment. Thread: the gateway's JS thread. */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly inCounts = new LabelCounts();
  private readonly outCounts = new LabelCounts();
  private readonly rejectCounts = new Float64Array(3);
  private tradesAcceptedCount = 0;
  /** STAGE_COUNT × NB bucket counts, then sums (ns) and counts per stage. */
  private readonly stageBuckets = new Float64Array(STAGE_COUNT * NB);
  private readonly stageSumNs = new Float64Array(STAGE_COUNT);
  private readonly stageCount = new Float64Array(STAGE_COUNT);
  private journalLag = 0;
  private sessionsOn = 0;
  private readonly ringNames: string[] = [];
  private readonly ringSlots = new Map<string, number>();
  private ringUsed = new Float64Array(4);
  private ringCapacity = new Float64Array(4);
  private readonly collectors: (() => void)[] = [];
  private refreshing = false;
  private readonly now: () => number;


  constructor(o: GatewayMetricsOptions = {}) {
    this.now = o.now ?? Date.now;
    const registers = [this.registry];
    const self = this;
    new Counter({
      name: 'gateway_messages_in_total',
      help: 'FIX messages received, by MsgType (35).',
      labelNames: ['msg_type'],
      registers,
      collect() {
        self.refresh();
        copyLabels(this, 'msg_type', self.inCounts);
      },
    });
    new Counter({
      name: 'gateway_messages_out_total',
      help: 'FIX messages sent, by MsgType (35).',
      labelNames: ['msg_type'],
      registers,
      collect() {
        self.refresh();
        copyLabels(this, 'msg_type', self.outCounts);
      },
    });
    new Counter({
      name: 'gateway_rejects_total',
      help: 'Rejects sent: session Reject (35=3), BusinessMessageReject (35=j), TradeCaptureReportAck rejected (751).',
      labelNames: ['kind'],
      registers,
      collect() {
        self.refresh();
        this.reset();
        for (let k = 0; k < REJECT_LABELS.length; k++) this.inc({ kind: REJECT_LABELS[k]! }, self.rejectCounts[k]!);
      },
    });
    new Counter({
      name: 'gateway_trades_accepted_total',
      help: 'Trades accepted by the engine (AR accepted).',
      registers,
      collect() {
        self.refresh();
        this.reset();
        this.inc(self.tradesAcceptedCount);
      },
    });
    new Gauge({
      name: 'gateway_journal_lag_bytes',
      help: 'Journal end position minus durable position (bytes appended, not yet durable).',
      registers,
      collect() {
        self.refresh();
        this.set(self.journalLag);
      },
    });
    new Gauge({
      name: 'gateway_sessions_logged_on',
      help: 'FIX sessions logged on.',
      registers,
      collect() {
        self.refresh();
        this.set(self.sessionsOn);
      },
    });
    new Gauge({
      name: 'gateway_ring_used_bytes',
      help: 'Bytes in use in a shared-memory ring, by ring.',
      labelNames: ['ring'],
      registers,
      collect() {
        self.refresh();
        for (let i = 0; i < self.ringNames.length; i++) this.set({ ring: self.ringNames[i]! }, self.ringUsed[i]!);
      },
    });
    new Gauge({
      name: 'gateway_ring_capacity_bytes',
      help: 'Capacity of a shared-memory ring, by ring.',
      labelNames: ['ring'],
      registers,
      collect() {
        self.refresh();
        for (let i = 0; i < self.ringNames.length; i++) this.set({ ring: self.ringNames[i]! }, self.ringCapacity[i]!);
      },
    });
    this.registry.registerMetric(
      new StageHistogramMetric('gateway_stage_latency_seconds', 'Latency of each processing stage (engine stage from the previous one; journal append to durable; message in to reply out).', this) as unknown as Metric,
    );
    if (o.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  // ------------------------------------------------------------------ hot path (no allocation)

  /** One message received (msgType = 35). */
  messageIn(msgType: string): void {
    this.inCounts.inc(msgType);
  }

  /** One message sent. */
  messageOut(msgType: string): void {
    this.outCounts.inc(msgType);
  }

  reject(kind: RejectKind): void {
    this.rejectCounts[kind]++;
  }

  /** reject(RejectKind.Session / Business / Trade) under names a hook interface elsewhere can declare. */
  sessionReject(): void {
    this.rejectCounts[RejectKind.Session]++;
  }

  businessReject(): void {
    this.rejectCounts[RejectKind.Business]++;
  }

  tradeRejected(): void {
    this.rejectCounts[RejectKind.Trade]++;
  }

  tradeAccepted(): void {
    this.tradesAcceptedCount++;
  }

  /** A latency of `ns` nanoseconds for stage slot `stage` (Stage.*); out-of-range slots are ignored. */
  observeStageNs(stage: number, ns: number): void {
    if (!(stage >= 0 && stage < STAGE_COUNT)) return;
    let b = 0;
    while (b < BOUNDS_NS.length && ns > BOUNDS_NS[b]!) b++;
    this.stageBuckets[stage * NB + b]++;
    this.stageSumNs[stage] += ns;
    this.stageCount[stage]++;
  }

  setJournalLag(bytes: number): void {
    this.journalLag = bytes;
  }

  setSessionsLoggedOn(n: number): void {
    this.sessionsOn = n;
  }

  /** Slot of a ring name for setRingOccupancy (allocates the first time a name is seen; cache it). */
  ringSlot(name: string): number {
    let s = this.ringSlots.get(name);
    if (s === undefined) {
      s = this.ringNames.length;
      this.ringNames.push(name);
      this.ringSlots.set(name, s);
      if (s >= this.ringUsed.length) {
        this.ringUsed = grow(this.ringUsed);
        this.ringCapacity = grow(this.ringCapacity);
      }
    }
    return s;
  }

  setRingOccupancy(slot: number, usedBytes: number, capacityBytes: number): void {
    this.ringUsed[slot] = usedBytes;
    this.ringCapacity[slot] = capacityBytes;
  }

  // ------------------------------------------------------------------ scrape side

  /**
   * `fn` runs before each export (a scrape of /metrics, a snapshot): the place to sample gauges
   * (journal lag, ring occupancy, sessions logged on) instead of maintaining them per message.
   */
  addCollector(fn: () => void): void {
    this.collectors.push(fn);
  }

  /** Runs the collectors, at most once per synchronous export pass. */
  refresh(): void {
    if (this.refreshing) return;
    this.refreshing = true;
    queueMicrotask(() => {
      this.refreshing = false;
    });
    for (const c of this.collectors) c();
  }

  /** Prometheus text exposition of the registry. */
  async metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  stageSnapshot(): StageStats[] {
    const out: StageStats[] = [];
    for (let s = 0; s < STAGE_COUNT; s++) {
      out.push({
        stage: STAGE_LABELS[s]!,
        count: this.stageCount[s]!,
        sumSeconds: this.stageSumNs[s]! / 1e9,
        buckets: Array.from(this.stageBuckets.subarray(s * NB, s * NB + NB)),
      });
    }
    return out;
  }

  resetStages(): void {
    this.stageBuckets.fill(0);
    this.stageSumNs.fill(0);
    this.stageCount.fill(0);
  }

  snapshot(): MetricsSnapshot {
    this.refresh();
    const side = (c: LabelCounts): { total: number; byType: Record<string, number> } => {
      const byType: Record<string, number> = {};
      let total = 0;
      for (let i = 0; i < c.labels.length; i++) {
        const v = c.counts[i]!;
        total += v;
        if (v > 0) byType[c.labels[i]!] = v;
      }
      return { total, byType };
    };
    return {
      timeMs: this.now(),
      messagesIn: side(this.inCounts),
      messagesOut: side(this.outCounts),
      rejects: { session: this.rejectCounts[0]!, business: this.rejectCounts[1]!, trade: this.rejectCounts[2]! },
      tradesAccepted: this.tradesAcceptedCount,
      sessionsLoggedOn: this.sessionsOn,
      journalLagBytes: this.journalLag,
      rings: this.ringNames.map((ring, i) => ({ ring, usedBytes: this.ringUsed[i]!, capacityBytes: this.ringCapacity[i]! })),
      latencyBoundsSeconds: LATENCY_BOUNDS_SECONDS,
      stages: this.stageSnapshot(),
    };
  }
}

function grow(a: Float64Array): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

/** Replace a labelled counter's values with the counts (scrape time; allocates). */
function copyLabels(c: Counter<'msg_type'>, label: 'msg_type', counts: LabelCounts): void {
  c.reset();
  for (let i = 0; i < counts.labels.length; i++) {
    const v = counts.counts[i]!;
    if (v > 0) c.inc({ [label]: counts.labels[i]! }, v);
  }
}
