/**
 * The live dashboard: one HTML page, one script, one stylesheet and an SVG icon, served from these
 * strings by server.ts (no build step, no framework, no CDN). The script polls the authenticated JSON
 * endpoints once a second and renders with DOM text nodes only (never innerHTML with data).
 *
 * Token: the page reads it from the URL fragment (`/#token=…`), keeps it in sessionStorage (this tab
 * only) and removes the fragment from the address bar, then sends it as `Authorization: Bearer`. The
 * fragment is never sent to a server, so the token stays out of access logs, proxies and Referer
 * headers, which a `?token=` query would not. A strict Content-Security-Policy (server.ts) allows
 * only these same-origin assets.
 *
 * Stateless strings; any thread.
 */
import { histogramQuantile } from './quantile.js';

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Clearing gateway — admin</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/dashboard.css">
<script src="/dashboard.js" defer></script>
</head>
<body>
<header>
  <h1>Clearing gateway</h1>
  <span id="health" class="pill">…</span>
  <span id="updated" class="muted"></span>
</header>
<div id="error" class="error" hidden></div>
<main>
  <section class="cards">
    <div class="card"><div class="label">messages in /s</div><div class="value" id="rate-in">–</div></div>
    <div class="card"><div class="label">messages out /s</div><div class="value" id="rate-out">–</div></div>
    <div class="card"><div class="label">trades accepted</div><div class="value" id="trades">–</div></div>
    <div class="card"><div class="label">rejects (session / business / trade)</div><div class="value" id="rejects">–</div></div>
    <div class="card"><div class="label">sessions logged on</div><div class="value" id="sessions-on">–</div></div>
    <div class="card"><div class="label">journal lag</div><div class="value" id="journal-lag">–</div></div>
  </section>
  <section>
    <h2>Throughput <span class="muted">(messages/s, up to the last 2 minutes; <span class="key-in">in</span>, <span class="key-out">out</span>)</span></h2>
    <svg id="throughput" viewBox="0 0 600 120" preserveAspectRatio="none" role="img" aria-label="throughput chart">
      <line class="grid" x1="0" y1="5" x2="600" y2="5"></line>
      <line class="grid" x1="0" y1="60" x2="600" y2="60"></line>
      <line class="grid" x1="0" y1="115" x2="600" y2="115"></line>
      <polyline id="tp-in" class="line-in" points=""></polyline>
      <polyline id="tp-out" class="line-out" points=""></polyline>
    </svg>
    <div class="muted" id="tp-max"></div>
  </section>
  <section>
    <h2>Sessions</h2>
    <table id="sessions-table">
      <thead><tr><th>id</th><th>member</th><th>CompIDs</th><th>version</th><th>state</th><th class="num">next in</th><th class="num">next out</th><th>remote</th></tr></thead>
      <tbody id="sessions"></tbody>
    </table>
  </section>
  <section class="two">
    <div>
      <h2>Latency per stage <span class="muted" id="latency-window"></span></h2>
      <table id="latency-table">
        <thead><tr><th>stage</th><th class="num">count</th><th class="num">p50</th><th class="num">p99</th><th class="bar-col"></th></tr></thead>
        <tbody id="latency"></tbody>
      </table>
    </div>
    <div>
      <h2>Margin use <span class="muted">(requirement vs collateral)</span></h2>
      <div id="margin"></div>
    </div>
  </section>
  <section>
    <h2>Net positions by member</h2>
    <table id="positions-table">
      <thead><tr><th>member</th><th>ISIN</th><th>settlement</th><th class="num">net qty</th><th class="num">net money</th></tr></thead>
      <tbody id="positions"></tbody>
    </table>
  </section>
</main>
</body>
</html>
`;

export const DASHBOARD_CSS = `
:root { --bg:#0f1419; --panel:#182028; --line:#2a3540; --text:#d8dee4; --muted:#8a96a3; --in:#4fa3ff; --out:#f0a040;
  --ok:#3fb950; --warn:#d29922; --bad:#f85149; font: 14px/1.4 system-ui, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); }
header { display: flex; gap: 12px; align-items: center; padding: 10px 20px; border-bottom: 1px solid var(--line); }
h1 { font-size: 18px; margin: 0; }
h2 { font-size: 14px; margin: 0 0 8px; }
main { padding: 12px 20px; display: grid; gap: 16px; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 12px; }
section.cards { display: grid; grid-template-columns: repeat(6, 1fr); gap: 8px; background: none; border: 0; padding: 0; }
section.two { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; background: none; border: 0; padding: 0; }
section.two > div { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 12px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px; }
.card .label { color: var(--muted); font-size: 12px; }
.card .value { font-size: 22px; font-variant-numeric: tabular-nums; }
.muted { color: var(--muted); font-weight: normal; }
.pill { padding: 2px 10px; border-radius: 10px; background: var(--line); font-size: 12px; }
.pill.ok { background: var(--ok); color: #000; } .pill.degraded { background: var(--warn); color: #000; } .pill.down { background: var(--bad); color: #000; }
.error { background: var(--bad); color: #000; padding: 8px 20px; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { color: var(--muted); font-weight: normal; font-size: 12px; }
.num { text-align: right; }
.state { padding: 1px 8px; border-radius: 8px; font-size: 12px; }
.state.logged-on { background: var(--ok); color: #000; } .state.connected { background: var(--warn); color: #000; } .state.disconnected { background: var(--line); }
.neg { color: var(--bad); } .pos { color: var(--ok); }
svg#throughput { width: 100%; height: 120px; background: var(--bg); border-radius: 4px; }
.line-in, .line-out { fill: none; stroke-width: 1.5; vector-effect: non-scaling-stroke; }
.grid { stroke: var(--line); stroke-width: 1; vector-effect: non-scaling-stroke; stroke-dasharray: 4 4; }
.line-in { stroke: var(--in); } .line-out { stroke: var(--out); }
.key-in { color: var(--in); } .key-out { color: var(--out); }
.bar-col { width: 35%; }
.bar { height: 10px; background: var(--line); border-radius: 3px; position: relative; overflow: hidden; }
.bar > span { position: absolute; left: 0; top: 0; bottom: 0; background: var(--in); }
.bar > span.p99 { background: var(--out); opacity: .55; }
.margin-row { display: grid; grid-template-columns: 90px 1fr; gap: 8px; align-items: center; margin: 6px 0; }
.margin-row .bar { height: 16px; }
.margin-row .bar > span { background: var(--ok); }
.margin-row .bar > span.call { background: var(--bad); }
.margin-row .text { grid-column: 2; color: var(--muted); font-size: 12px; }
`;

export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#182028"/><path d="M3 12 L6 7 L9 9 L13 4" stroke="#4fa3ff" stroke-width="2" fill="none"/></svg>`;

/**
 * The page script. histogramQuantile is the tested function of quantile.ts, inlined by its source text.
 */
export const DASHBOARD_JS = `'use strict';
${histogramQuantile.toString()}

const TOKEN_KEY = 'gateway-admin-token';
const HISTORY_SECONDS = 120;
const LATENCY_WINDOW_POLLS = 10;

function takeToken() {
  const m = /(?:^|&)token=([^&]*)/.exec(location.hash.slice(1));
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY) || '';
}
const token = takeToken();

const $ = (id) => document.getElementById(id);
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
function cell(tr, text, cls) { tr.appendChild(el('td', text, cls)); }
function placeholder(tbody, text) {
  const tr = el('tr'); const td = el('td', text, 'muted');
  td.colSpan = tbody.parentElement.tHead.rows[0].cells.length;
  tr.appendChild(td); tbody.appendChild(tr);
}

class HttpError extends Error { constructor(status, path) { super(path + ': HTTP ' + status); this.status = status; } }
async function get(path) {
  const r = await fetch(path, { headers: token ? { Authorization: 'Bearer ' + token } : {}, cache: 'no-store' });
  if (!r.ok && !(path === '/health' && r.status === 503)) throw new HttpError(r.status, path);
  return r.json();
}

function fmtSeconds(s) {
  if (!Number.isFinite(s)) return '–';
  if (s < 1e-3) return (s * 1e6).toFixed(1) + ' µs';
  if (s < 1) return (s * 1e3).toFixed(2) + ' ms';
  return s.toFixed(2) + ' s';
}
function fmtRate(r) { return Number.isFinite(r) ? (r >= 1000 ? (r / 1000).toFixed(1) + ' k' : r.toFixed(0)) : '–'; }
function fmtBytes(b) { return b >= 1048576 ? (b / 1048576).toFixed(1) + ' MiB' : b >= 1024 ? (b / 1024).toFixed(1) + ' KiB' : b + ' B'; }
function fmtInt(n) { return Number(n).toLocaleString('en-US'); }
/** Exact decimal money text (e.g. "-12.3400") → BigInt mantissa at 10^-4. */
function money4(text) {
  const neg = text.startsWith('-');
  const [i, f = ''] = (neg ? text.slice(1) : text).split('.');
  const v = BigInt(i + (f + '0000').slice(0, 4));
  return neg ? -v : v;
}
function fmtMoney4(v) {
  const neg = v < 0n; const a = neg ? -v : v;
  const s = a.toString().padStart(5, '0');
  const int = s.slice(0, -4).replace(/\\B(?=(\\d{3})+(?!\\d))/g, ',');
  return (neg ? '-' : '') + int + '.' + s.slice(-4);
}

let prev = null;
const history_ = [];
const statsHistory = [];

function renderStats(st) {
  if (prev) {
    const dt = (st.timeMs - prev.timeMs) / 1000;
    if (dt > 0) {
      const rin = (st.messagesIn.total - prev.messagesIn.total) / dt;
      const rout = (st.messagesOut.total - prev.messagesOut.total) / dt;
      $('rate-in').textContent = fmtRate(rin);
      $('rate-out').textContent = fmtRate(rout);
      history_.push({ t: st.timeMs, rin, rout });
      while (history_.length && history_[0].t < st.timeMs - HISTORY_SECONDS * 1000) history_.shift();
      renderThroughput(st.timeMs);
    }
  }
  prev = st;
  $('trades').textContent = fmtInt(st.tradesAccepted);
  $('rejects').textContent = st.rejects.session + ' / ' + st.rejects.business + ' / ' + st.rejects.trade;
  $('sessions-on').textContent = fmtInt(st.sessionsLoggedOn);
  $('journal-lag').textContent = fmtBytes(st.journalLagBytes);
  statsHistory.push(st);
  while (statsHistory.length > LATENCY_WINDOW_POLLS + 1) statsHistory.shift();
  renderLatency(st);
}

function renderThroughput(now) {
  let max = 1;
  for (const h of history_) max = Math.max(max, h.rin, h.rout);
  // The x axis spans the history kept (at least 30 s, at most HISTORY_SECONDS).
  const spanMs = Math.max(30000, history_.length ? now - history_[0].t : 0);
  const pts = (key) => history_.map((h) => {
    const x = 600 - ((now - h.t) / spanMs) * 600;
    const y = 115 - (h[key] / max) * 110;
    return x.toFixed(1) + ',' + y.toFixed(1);
  }).join(' ');
  $('tp-in').setAttribute('points', pts('rin'));
  $('tp-out').setAttribute('points', pts('rout'));
  $('tp-max').textContent = 'scale: ' + fmtRate(max) + ' messages/s over ' + Math.round(spanMs / 1000) + ' s';
}

function renderLatency(st) {
  // Quantiles over the last polls (bucket deltas), or since start when nothing happened lately.
  const first = statsHistory[0];
  const windowed = statsHistory.length > 1;
  const tbody = $('latency');
  tbody.replaceChildren();
  const bounds = st.latencyBoundsSeconds;
  const logMin = Math.log10(bounds[0]), logMax = Math.log10(bounds[bounds.length - 1]);
  const pct = (s) => Number.isFinite(s) ? Math.max(2, Math.min(100, ((Math.log10(s) - logMin) / (logMax - logMin)) * 100)) : 0;
  let anyWindow = false;
  st.stages.forEach((s, i) => {
    if (s.count === 0) return;
    let buckets = s.buckets;
    if (windowed) {
      const d = s.buckets.map((c, b) => c - first.stages[i].buckets[b]);
      if (d.some((c) => c > 0)) { buckets = d; anyWindow = true; }
    }
    const p50 = histogramQuantile(0.5, bounds, buckets);
    const p99 = histogramQuantile(0.99, bounds, buckets);
    // A rank in the +Inf bucket: the estimate is only "above the last bound".
    let total = 0; for (const c of buckets) total += c;
    const above = (q) => q * total > total - buckets[buckets.length - 1];
    const tr = el('tr');
    cell(tr, s.stage);
    cell(tr, fmtInt(s.count), 'num');
    cell(tr, (above(0.5) ? '> ' : '') + fmtSeconds(p50), 'num');
    cell(tr, (above(0.99) ? '> ' : '') + fmtSeconds(p99), 'num');
    const td = el('td');
    const bar = el('div', undefined, 'bar');
    const b99 = el('span', undefined, 'p99'); b99.style.width = pct(p99) + '%';
    const b50 = el('span'); b50.style.width = pct(p50) + '%';
    bar.append(b99, b50); td.appendChild(bar); tr.appendChild(td);
    tbody.appendChild(tr);
  });
  if (!tbody.children.length) placeholder(tbody, 'no latency samples yet');
  $('latency-window').textContent = anyWindow ? '(last ' + (statsHistory.length - 1) + ' s)' : '(since start)';
}

function renderSessions(rows) {
  const tbody = $('sessions');
  tbody.replaceChildren();
  for (const s of rows.sessions) {
    const tr = el('tr');
    tr.dataset.compid = s.compIds.target;
    cell(tr, s.id);
    cell(tr, s.member);
    cell(tr, s.compIds.target + ' → ' + s.compIds.sender);
    cell(tr, s.beginString);
    const td = el('td'); td.appendChild(el('span', s.state, 'state ' + s.state)); tr.appendChild(td);
    cell(tr, fmtInt(s.nextSeqIn), 'num');
    cell(tr, fmtInt(s.nextSeqOut), 'num');
    cell(tr, s.remoteAddress ? s.remoteAddress + (s.remotePort ? ':' + s.remotePort : '') : '–');
    tbody.appendChild(tr);
  }
  if (!rows.sessions.length) placeholder(tbody, 'no sessions configured');
}

function renderPositions(rows) {
  const tbody = $('positions');
  tbody.replaceChildren();
  const byMember = new Map();
  for (const p of rows.positions) {
    if (!byMember.has(p.member)) byMember.set(p.member, []);
    byMember.get(p.member).push(p);
  }
  for (const [member, ps] of [...byMember].sort((a, b) => a[0] < b[0] ? -1 : 1)) {
    let total = 0n;
    for (const p of ps) {
      const tr = el('tr');
      cell(tr, member); cell(tr, p.isin); cell(tr, p.settlDate);
      cell(tr, fmtInt(p.netQty), 'num ' + (p.netQty < 0 ? 'neg' : p.netQty > 0 ? 'pos' : ''));
      const m = money4(p.netMoney); total += m;
      cell(tr, fmtMoney4(m), 'num ' + (m < 0n ? 'neg' : ''));
      tbody.appendChild(tr);
    }
    const tr = el('tr');
    cell(tr, member + ' total', 'muted'); cell(tr, ''); cell(tr, ''); cell(tr, '');
    cell(tr, fmtMoney4(total), 'num muted');
    tbody.appendChild(tr);
  }
  if (!rows.positions.length) placeholder(tbody, 'no positions');
}

function renderMargin(rows) {
  const box = $('margin');
  box.replaceChildren();
  for (const m of rows.members) {
    const req = money4(m.requirement), col = money4(m.collateralValue);
    // Width only (display): ratio in basis points by BigInt division, then a plain number.
    const use = col > 0n ? Number((req * 10000n) / col) / 100 : (req > 0n ? 100 : 0);
    const row = el('div', undefined, 'margin-row');
    row.appendChild(el('div', m.member));
    const bar = el('div', undefined, 'bar');
    const fill = el('span', undefined, m.marginCall ? 'call' : ''); fill.style.width = Math.min(100, use) + '%';
    bar.appendChild(fill); row.appendChild(bar);
    const ratio = col > 0n ? ' (' + use.toFixed(1) + '%)' : req > 0n ? ' (no collateral)' : '';
    row.appendChild(el('div', fmtMoney4(req) + ' of ' + fmtMoney4(col) + ratio + (m.marginCall ? ' — MARGIN CALL' : ''), 'text'));
    box.appendChild(row);
  }
  if (!rows.members.length) box.appendChild(el('div', 'no margin data', 'muted'));
}

function renderHealth(h) {
  const p = $('health');
  p.textContent = h.status + ' · up ' + Math.floor(h.uptimeSeconds) + ' s';
  p.className = 'pill ' + h.status;
}

function showError(e) {
  const box = $('error');
  if (!e) { box.hidden = true; return; }
  box.hidden = false;
  box.textContent = e.status === 401
    ? 'Not authorized: open this page as /#token=<admin token> (the token never leaves this tab except in the Authorization header).'
    : 'Update failed: ' + e.message;
}

async function poll() {
  try {
    const [health, stats, sessions, positions, margin] = await Promise.all([
      get('/health'), get('/api/stats'), get('/sessions'), get('/positions'), get('/margin'),
    ]);
    renderHealth(health);
    renderStats(stats);
    renderSessions(sessions);
    renderPositions(positions);
    renderMargin(margin);
    $('updated').textContent = 'updated ' + new Date(stats.timeMs).toLocaleTimeString();
    showError(null);
  } catch (e) {
    showError(e);
  } finally {
    setTimeout(poll, 1000);
  }
}
poll();
`;
