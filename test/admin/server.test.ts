/**
 * The admin HTTP API over a fake AdminSources: bearer auth (401 with WWW-Authenticate, constant-time
 * compare, /health and the static dashboard open), each endpoint's JSON shape, money as exact decimal
 * text, 404 / 405 / 400 naming the parameter, /metrics and /api/stats after metric calls.
 */
import test from 'ava';
import { formatMoney4, parseYmd } from '../../src/admin/format.js';
import { GatewayMetrics, RejectKind, Stage } from '../../src/admin/metrics.js';
import { histogramQuantile } from '../../src/admin/quantile.js';
import { type AdminServer, AdminErrorCode, startAdmin } from '../../src/admin/server.js';
import type { HealthInfo } from '../../src/admin/sources.js';
import { type Calls, fakeSources } from './fake-sources.js';

const TOKEN = 'test-token-0123456789abcdef';

async function withAdmin(body: (base: string, ctx: { calls: Calls; metrics: GatewayMetrics; server: AdminServer }) => Promise<void>, health?: HealthInfo): Promise<void> {
  const { sources, calls } = fakeSources(health);
  const metrics = new GatewayMetrics({ defaultMetrics: true });
  const server = await startAdmin(sources, { port: 0, token: TOKEN, metrics, log: () => undefined });
  try {
    await body(`http://127.0.0.1:${server.port}`, { calls, metrics, server });
  } finally {
    await server.close();
  }
}

const auth = { Authorization: `Bearer ${TOKEN}` };
async function getJson(url: string, headers: Record<string, string> = auth): Promise<{ status: number; body: any; headers: Headers }> {
  const r = await fetch(url, { headers });
  return { status: r.status, body: await r.json(), headers: r.headers };
}

test('startAdmin refuses to run without a token off loopback, and with a weak token', async (t) => {
  const metrics = new GatewayMetrics({ defaultMetrics: false });
  const { sources } = fakeSources();
  await t.throwsAsync(startAdmin(sources, { host: '0.0.0.0', port: 0, metrics, allowNoToken: true }), { code: AdminErrorCode.ADMIN_TOKEN_REQUIRED } as never);
  await t.throwsAsync(startAdmin(sources, { port: 0, metrics }), { code: AdminErrorCode.ADMIN_TOKEN_REQUIRED } as never);
  await t.throwsAsync(startAdmin(sources, { port: 0, metrics, token: 'short' }), { code: AdminErrorCode.ADMIN_TOKEN_WEAK } as never);
  // Loopback with allowNoToken: data endpoints are open.
  const s = await startAdmin(sources, { port: 0, metrics, allowNoToken: true, log: () => undefined });
  try {
    const r = await getJson(`http://127.0.0.1:${s.port}/sessions`, {});
    t.is(r.status, 200);
    t.is(r.body.sessions.length, 2);
  } finally {
    await s.close();
  }
});

test('bearer auth: 401 with WWW-Authenticate when missing or wrong, 200 with the token; /health and the page are open', async (t) => {
  await withAdmin(async (base) => {
    for (const path of ['/sessions', '/positions', '/margin', '/obligations', '/metrics', '/api/stats']) {
      const missing = await fetch(base + path);
      t.is(missing.status, 401, path);
      t.is(missing.headers.get('www-authenticate'), 'Bearer realm="gateway-admin"');
      t.deepEqual(await missing.json(), { error: 'bearer token required' });
      const wrong = await fetch(base + path, { headers: { Authorization: `Bearer ${TOKEN}x` } });
      t.is(wrong.status, 401, path);
      t.is(wrong.headers.get('www-authenticate'), 'Bearer realm="gateway-admin", error="invalid_token"');
      await wrong.arrayBuffer();
      const prefix = await fetch(base + path, { headers: { Authorization: `Bearer ${TOKEN.slice(0, -1)}` } });
      t.is(prefix.status, 401, `${path}: a prefix of the token is refused`);
      await prefix.arrayBuffer();
      const basic = await fetch(base + path, { headers: { Authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` } });
      t.is(basic.status, 401, `${path}: another scheme is refused`);
      await basic.arrayBuffer();
      const ok = await fetch(base + path, { headers: { Authorization: `bearer ${TOKEN}` } });
      t.is(ok.status, 200, `${path}: the scheme name is case-insensitive`);
      await ok.arrayBuffer();
    }
    t.is((await getJson(`${base}/health`, {})).status, 200);
    const page = await fetch(`${base}/`);
    t.is(page.status, 200);
    t.regex(page.headers.get('content-type')!, /^text\/html/);
    t.regex(page.headers.get('content-security-policy')!, /script-src 'self'/);
    const html = await page.text();
    t.true(html.includes('<script src="/dashboard.js"'));
    t.false(html.includes(TOKEN));
    for (const asset of ['/dashboard.js', '/dashboard.css', '/favicon.svg']) {
      const r = await fetch(base + asset);
      t.is(r.status, 200, asset);
      t.true((await r.text()).length > 100, asset);
    }
  });
});

test('/health: status, uptime, journal durable vs end, ready flags; 503 when not ready or the journal failed', async (t) => {
  await withAdmin(async (base) => {
    const r = await getJson(`${base}/health`, {});
    t.is(r.status, 200);
    t.is(r.body.status, 'ok');
    t.true(r.body.uptimeSeconds >= 0);
    t.deepEqual(r.body.journal, { durablePosition: 4096, endPosition: 4160, lagBytes: 64, failure: null });
    t.deepEqual(r.body.ready, { journal: true, fix: true });
  });
  await withAdmin(
    async (base) => {
      const r = await getJson(`${base}/health`, {});
      t.is(r.status, 503);
      t.is(r.body.status, 'degraded');
    },
    { journal: { durablePosition: -1, endPosition: 0 }, ready: { journal: true, engine: false } },
  );
  await withAdmin(
    async (base) => {
      const r = await getJson(`${base}/health`, {});
      t.is(r.status, 503);
      t.is(r.body.status, 'down');
      t.is(r.body.journal.failure, 'ENOSPC');
    },
    { journal: { durablePosition: 0, endPosition: 100, failure: 'ENOSPC' }, ready: { journal: true } },
  );
});

test('/sessions: id, member, CompIDs, BeginString, state, next sequence numbers, remote address', async (t) => {
  await withAdmin(async (base) => {
    const r = await getJson(`${base}/sessions`);
    t.is(r.status, 200);
    t.regex(r.headers.get('content-type')!, /^application\/json/);
    t.deepEqual(r.body.sessions[0], {
      id: 7,
      member: 'MBR1',
      compIds: { sender: 'CCP', target: 'MEMBER1' },
      beginString: 'FIX.4.4',
      state: 'logged-on',
      loggedOn: true,
      nextSeqIn: 12,
      nextSeqOut: 15,
      remoteAddress: '127.0.0.1',
      remotePort: 50123,
      tls: false,
    });
    t.is(r.body.sessions[1].state, 'disconnected');
    t.is(r.body.sessions[1].remoteAddress, null);
  });
});

test('/positions: money as exact decimal text, ?member= passed to the source and checked', async (t) => {
  await withAdmin(async (base, { calls }) => {
    const all = await getJson(`${base}/positions`);
    t.is(all.status, 200);
    t.deepEqual(all.body.positions, [
      { member: 'MBR1', isin: 'US0378331005', settlDate: '2026-11-26', netQty: 100, netMoney: '-18725.0000' },
      { member: 'MBR2', isin: 'US0378331005', settlDate: '2026-11-26', netQty: -100, netMoney: '12345678901234567.8901' },
    ]);
    const one = await getJson(`${base}/positions?member=MBR2`);
    t.is(one.body.member, 'MBR2');
    t.is(one.body.positions.length, 1);
    t.deepEqual(calls.positions, [undefined, 'MBR2']);
    const bad = await getJson(`${base}/positions?member=${encodeURIComponent('MBR1; drop')}`);
    t.is(bad.status, 400);
    t.is(bad.body.parameter, 'member');
    t.regex(bad.body.error, /'member'/);
    const unknown = await getJson(`${base}/positions?membr=MBR1`);
    t.is(unknown.status, 400);
    t.is(unknown.body.parameter, 'membr');
    const twice = await getJson(`${base}/positions?member=A&member=B`);
    t.is(twice.status, 400);
    t.is(twice.body.parameter, 'member');
    t.is(calls.positions.length, 2, 'bad queries never reach the source');
  });
});

test('/margin: requirement, collateral, excess or deficit (exact), margin call flag', async (t) => {
  await withAdmin(async (base) => {
    const r = await getJson(`${base}/margin`);
    t.deepEqual(r.body.members, [
      { member: 'MBR1', requirement: '1234.5600', collateralValue: '2000.0000', excess: '765.4400', deficit: '0.0000', marginCall: false },
      { member: 'MBR2', requirement: '500000.0000', collateralValue: '100.0000', excess: '0.0000', deficit: '499900.0000', marginCall: true },
    ]);
  });
});

test('/obligations: ?settlDate= as YYYY-MM-DD or YYYYMMDD, sides, 400 for a date that does not exist', async (t) => {
  await withAdmin(async (base, { calls }) => {
    const def = await getJson(`${base}/obligations`);
    t.is(def.body.settlDate, '2026-11-26');
    t.deepEqual(
      def.body.obligations.map((o: { side: string; netMoney: string }) => [o.side, o.netMoney]),
      [
        ['RECEIVE', '-18725.0000'],
        ['DELIVER', '18725.0000'],
        ['FLAT', '0.0005'],
      ],
    );
    t.is((await getJson(`${base}/obligations?settlDate=2026-11-27`)).body.settlDate, '2026-11-27');
    t.is((await getJson(`${base}/obligations?settlDate=20240229`)).body.settlDate, '2024-02-29');
    t.deepEqual(calls.obligations, [undefined, 20261127, 20240229]);
    for (const bad of ['2026-02-29', '2026-13-01', 'tomorrow', '']) {
      const r = await getJson(`${base}/obligations?settlDate=${bad}`);
      t.is(r.status, 400, bad);
      t.is(r.body.parameter, 'settlDate');
    }
    t.is(calls.obligations.length, 3);
  });
});

test('unknown path: 404 JSON {error}; other methods: 405 with Allow', async (t) => {
  await withAdmin(async (base) => {
    const r = await getJson(`${base}/nope`);
    t.is(r.status, 404);
    t.deepEqual(Object.keys(r.body), ['error']);
    t.regex(r.body.error, /\/nope/);
    const post = await fetch(`${base}/sessions`, { method: 'POST', headers: auth, body: '{}' });
    t.is(post.status, 405);
    t.is(post.headers.get('allow'), 'GET, HEAD');
    await post.arrayBuffer();
  });
});

test('a source that throws: 500 {error: "internal error"}, detail only in the log', async (t) => {
  const lines: string[] = [];
  const { sources } = fakeSources();
  sources.margin = () => {
    throw new Error('engine exploded: secret detail');
  };
  const metrics = new GatewayMetrics({ defaultMetrics: false });
  const s = await startAdmin(sources, { port: 0, token: TOKEN, metrics, log: (l) => lines.push(l) });
  try {
    const r = await getJson(`http://127.0.0.1:${s.port}/margin`);
    t.is(r.status, 500);
    t.deepEqual(r.body, { error: 'internal error' });
    t.true(lines.some((l) => l.includes('engine exploded')));
  } finally {
    await s.close();
  }
});

test('/metrics: Prometheus text with the gateway metrics after calls, default process metrics, collectors sampled', async (t) => {
  await withAdmin(async (base, { metrics }) => {
    metrics.messageIn('AE');
    metrics.messageIn('AE');
    metrics.messageIn('0');
    metrics.messageOut('AR');
    metrics.reject(RejectKind.Trade);
    metrics.reject(RejectKind.Session);
    metrics.tradeAccepted();
    metrics.observeStageNs(Stage.Validated, 3_000); // 3 µs → le 0.000005
    metrics.observeStageNs(Stage.Validated, 250_000_000); // 250 ms → +Inf only
    metrics.observeStageNs(Stage.Journal, 40_000);
    const ring = metrics.ringSlot('inbound');
    let sampled = 0;
    metrics.addCollector(() => {
      sampled++;
      metrics.setJournalLag(4242);
      metrics.setSessionsLoggedOn(3);
      metrics.setRingOccupancy(ring, 1024, 65536);
    });
    const r = await fetch(`${base}/metrics`, { headers: auth });
    t.is(r.status, 200);
    t.regex(r.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    const lines = text.split('\n');
    const has = (line: string): void => {
      t.true(lines.includes(line), `missing line: ${line}`);
    };
    has('# TYPE gateway_messages_in_total counter');
    has('gateway_messages_in_total{msg_type="AE"} 2');
    has('gateway_messages_in_total{msg_type="0"} 1');
    has('gateway_messages_out_total{msg_type="AR"} 1');
    has('gateway_rejects_total{kind="session"} 1');
    has('gateway_rejects_total{kind="business"} 0');
    has('gateway_rejects_total{kind="trade"} 1');
    has('gateway_trades_accepted_total 1');
    has('# TYPE gateway_stage_latency_seconds histogram');
    has('gateway_stage_latency_seconds_bucket{stage="validated",le="0.000002"} 0');
    has('gateway_stage_latency_seconds_bucket{stage="validated",le="0.000005"} 1');
    has('gateway_stage_latency_seconds_bucket{stage="validated",le="0.1"} 1');
    has('gateway_stage_latency_seconds_bucket{stage="validated",le="+Inf"} 2');
    has('gateway_stage_latency_seconds_count{stage="validated"} 2');
    has('gateway_stage_latency_seconds_sum{stage="validated"} 0.250003');
    has('gateway_stage_latency_seconds_bucket{stage="journal",le="0.00005"} 1');
    has('gateway_journal_lag_bytes 4242');
    has('gateway_sessions_logged_on 3');
    has('gateway_ring_used_bytes{ring="inbound"} 1024');
    has('gateway_ring_capacity_bytes{ring="inbound"} 65536');
    t.true(lines.some((l) => l.startsWith('process_cpu_user_seconds_total ')), 'default process metrics');
    t.true(lines.some((l) => l.startsWith('nodejs_heap_size_used_bytes ')), 'default runtime metrics');
    t.is(sampled, 1, 'collectors run once per scrape');
    t.false(lines.some((l) => l.includes('stage="matched"')), 'stages without samples are not exported');
  });
});

test('/api/stats: the JSON snapshot the dashboard polls', async (t) => {
  await withAdmin(async (base, { metrics }) => {
    for (let i = 0; i < 5; i++) metrics.messageIn('AE');
    metrics.messageOut('AR');
    metrics.observeStageNs(Stage.RoundTrip, 15_000);
    const r = await getJson(`${base}/api/stats`);
    t.is(r.status, 200);
    t.deepEqual(r.body.messagesIn, { total: 5, byType: { AE: 5 } });
    t.deepEqual(r.body.messagesOut, { total: 1, byType: { AR: 1 } });
    const rt = r.body.stages.find((s: { stage: string }) => s.stage === 'round_trip');
    t.is(rt.count, 1);
    t.is(rt.buckets.length, r.body.latencyBoundsSeconds.length + 1);
    t.is(rt.buckets[4], 1, '15 µs falls in (10 µs, 20 µs]');
    t.true(typeof r.body.uptimeSeconds === 'number');
  });
});

test('msgType labels are bounded: past MAX_MSG_TYPES distinct values the rest count as "other"', async (t) => {
  const m = new GatewayMetrics({ defaultMetrics: false });
  for (let i = 0; i < 100; i++) m.messageIn(`X${i}`);
  const s = m.snapshot();
  t.is(s.messagesIn.total, 100);
  t.is(Object.keys(s.messagesIn.byType).length, 65);
  t.is(s.messagesIn.byType.other, 36);
});

test('money formatting is exact from integer mantissas; dates parse only when real', (t) => {
  t.is(formatMoney4(12_345_600), '1234.5600');
  t.is(formatMoney4(-5), '-0.0005');
  t.is(formatMoney4(0n), '0.0000');
  t.is(formatMoney4(9_007_199_254_740_993n), '900719925474.0993');
  t.throws(() => formatMoney4(0.5), { code: 'DECIMAL_OVERFLOW' } as never);
  t.throws(() => formatMoney4(2 ** 60), { code: 'DECIMAL_OVERFLOW' } as never);
  t.is(parseYmd('2026-11-26'), 20261126);
  t.is(parseYmd('20000229'), 20000229);
  t.is(parseYmd('19000229'), undefined);
  t.is(parseYmd('2026-11-31'), undefined);
  t.is(parseYmd('2026-1-1'), undefined);
});

test('histogramQuantile: interpolates inside the bucket, NaN when empty, capped at the last finite bound', (t) => {
  const bounds = [1, 2, 5, 10];
  t.true(Number.isNaN(histogramQuantile(0.5, bounds, [0, 0, 0, 0, 0])));
  t.is(histogramQuantile(0.5, bounds, [0, 10, 0, 0, 0]), 1.5);
  t.is(histogramQuantile(0.5, bounds, [10, 0, 0, 0, 0]), 0.5);
  t.is(histogramQuantile(0.99, bounds, [50, 0, 49, 1, 0]), 5, "rank 99 is the top of the (2, 5] bucket");
  t.is(histogramQuantile(0.995, bounds, [50, 0, 49, 1, 0]), 7.5);
  t.is(histogramQuantile(0.25, bounds, [50, 0, 50, 0, 0]), 0.5);
  t.is(histogramQuantile(0.75, bounds, [50, 0, 50, 0, 0]), 2 + 3 * 0.5);
  t.is(histogramQuantile(0.99, bounds, [1, 0, 0, 0, 99]), 10);
});

test('paths match exactly: "//sessions", "/sessions/" and encoded variants are 404, never another endpoint', async (t) => {
  await withAdmin(async (base) => {
    for (const p of ['//sessions', '/sessions/', '/%73essions', '//', '/health/x']) {
      const r = await fetch(base + p, { headers: auth });
      t.is(r.status, 404, p);
      await r.arrayBuffer();
    }
    const page = await fetch(`${base}/?x=1`);
    t.is(page.status, 400, 'the page takes no parameters (the token goes in the fragment, which never reaches the server)');
    await page.arrayBuffer();
    const q = await getJson(`${base}/sessions?token=${TOKEN}`, {});
    t.is(q.status, 400, 'a token in the query string is refused, with the way to send it');
    t.is(q.body.parameter, 'token');
    t.regex(q.body.error, /Authorization: Bearer/);
  });
});
