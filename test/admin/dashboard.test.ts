/**
 * The dashboard in headless Chromium (Debian `chromium`, driven by playwright-core) against the real
 * gateway: startGateway with a test config (clearing engine on the test reference data), a member
 * session logged on over TCP with its password, startAdmin composed with sources built from the
 * RunningGateway (gateway-sources.ts). The page is loaded with the token in the URL fragment; the test
 * waits until the logged-on session's CompID shows in the sessions table, checks the token left the
 * address bar, trades, sees the page refresh (trade count, positions, margin), and saves a screenshot.
 *
 * Stand-in until gateway.ts wires the admin room (reported to the lead): message counts and the
 * round-trip latency are recorded by this test from what its FIX client sent and received (measured
 * client-side), not by the gateway's hot path.
 *
 * A second test renders the fake sources of the API tests (positions, margin) to check the page's
 * exact money totals and margin bars.
 *
 * Skipped, saying so, only when /usr/bin/chromium is absent (`apt-get install -y chromium`).
 * ADMIN_SCREENSHOT_DIR=dir keeps the screenshot there; otherwise it goes to a temp dir removed after.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test from 'ava';
import { chromium } from 'playwright-core';
import { GatewayMetrics, Stage } from '../../src/admin/metrics.js';
import { startAdmin } from '../../src/admin/server.js';
import { checkConfig, type GatewayConfig } from '../../src/gateway/config.js';
import { startGateway } from '../../src/gateway/gateway.js';
import { hashPassword } from '../../src/gateway/members.js';
import { FixTestClient } from '../helpers/fix-client.js';
import { clearingTcr, TEST_SECURITIES, twoSided, writeTestRefdata } from '../helpers/gateway-fixtures.js';
import { fakeSources } from './fake-sources.js';
import { gatewayCollector, gatewaySources } from './gateway-sources.js';

const CHROMIUM = '/usr/bin/chromium';
const PASSWORD = 'dashboard test password';
const TOKEN = 'dashboard-test-token-4f1c2a9e';

function config(dir: string): GatewayConfig {
  const r = checkConfig({
    gateway: { name: 'admin-test' },
    journal: { dir: path.join(dir, 'journal'), durability: 'os' },
    fix: {
      transport: 'node',
      tcp: { host: '127.0.0.1', port: 0 },
      senderCompId: 'CCP',
      sessions: [
        { sessionId: 11, member: 'MBRA', beginString: 'FIX.4.4', targetCompId: 'ALPHA', credentials: { passwordHash: hashPassword(PASSWORD), username: 'ops1' }, reset: 'never' },
        { sessionId: 12, member: 'MBRB', beginString: 'FIXT.1.1', targetCompId: 'BRAVO', reset: 'never' },
      ],
    },
    admin: { host: '127.0.0.1', port: 0 },
    clearing: writeTestRefdata(dir),
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

type Context = Awaited<ReturnType<typeof chromium.launchPersistentContext>>;

/** Headless Chromium with a fresh profile under `dir`; `errors` collects page errors and console errors. */
async function launch(dir: string, errors: string[]): Promise<{ context: Context; page: Awaited<ReturnType<Context['newPage']>> }> {
  const context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(dir, 'chromium-profile-')), {
    executablePath: CHROMIUM,
    headless: true,
    // --user-data-dir is the first argument of launchPersistentContext (playwright refuses it in args).
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return { context, page };
}

async function screenshot(t: { true(v: boolean, m?: string): void; deepEqual(a: unknown, b: unknown, m?: string): void; log(...v: unknown[]): void }, page: { screenshot(o: { path: string; fullPage: boolean }): Promise<unknown> }, file: string): Promise<void> {
  await page.screenshot({ path: file, fullPage: true });
  const png = fs.readFileSync(file);
  t.true(png.length > 1000, `screenshot ${file} has ${png.length} bytes`);
  t.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  t.log(`screenshot: ${file}`);
}

/** Resolves once `cond` holds (checked every 100 ms); rejects after timeoutMs. A wait, not a timing assertion. */
async function until(cond: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms: ${cond.toString()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) console.log(`test/admin/dashboard: SKIPPED: ${CHROMIUM} is not installed (apt-get install -y chromium)`);

(hasChromium ? test.serial : test.skip)('dashboard in headless Chromium shows the logged-on session, refreshes live, screenshot saved', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'admin-dashboard-'));
  const shotDir = process.env.ADMIN_SCREENSHOT_DIR ?? path.join(dir, 'shots');
  fs.mkdirSync(shotDir, { recursive: true });
  const startedAt = Date.now();
  const gw = await startGateway(config(dir), { baseDir: dir, log: () => undefined });
  const metrics = new GatewayMetrics();
  metrics.addCollector(gatewayCollector(gw, metrics));
  const sources = gatewaySources(gw, startedAt);
  let sessionCalls = 0;
  const sessions = sources.sessions.bind(sources);
  sources.sessions = () => (sessionCalls++, sessions());
  const admin = await startAdmin(sources, { port: 0, token: TOKEN, metrics, log: () => undefined });
  const pageErrors: string[] = [];
  let client: FixTestClient | undefined;
  let context: Context | undefined;
  try {
    const l = gw.listeners.find((x) => x.name === 'fix/tcp')!;
    client = await FixTestClient.connect({ host: '127.0.0.1', port: l.port, beginString: 'FIX.4.4', senderCompId: 'ALPHA', targetCompId: 'CCP' });
    const c = client;
    metrics.messageIn('A');
    const a = await c.logon({ password: PASSWORD, username: 'ops1' });
    t.is(a.type, 'A');
    metrics.messageOut('A');
    /**
     * One two-sided TradeCaptureReport → AR, counted and timed (client side) as the gateway will once
     * wired. Even ids: MBRA buys 10 AAPL at 100.25 from MBRB; odd: MBRB buys 3 MSFT at 401.10 from MBRA.
     */
    const trade = async (id: string): Promise<void> => {
      const k = Number(id.slice(1));
      const fields = k % 2 === 0 ? clearingTcr(twoSided(id, 'MBRA', 'MBRB', { qty: '10', px: '100.25' })) : clearingTcr(twoSided(id, 'MBRB', 'MBRA', { qty: '3', px: '401.10', isin: TEST_SECURITIES.MSFT.isin }));
      const from = c.received.length;
      const t0 = process.hrtime.bigint();
      c.send('AE', fields);
      metrics.messageIn('AE');
      const ar = await c.waitFor((m) => m.type === 'AR' && m.fields.get(571) === id, 10_000, from);
      metrics.observeStageNs(Stage.RoundTrip, Number(process.hrtime.bigint() - t0));
      metrics.messageOut('AR');
      if (ar.fields.get(939) !== '0') throw new Error(`trade ${id} not accepted: ${ar.raw}`);
      metrics.tradeAccepted();
    };
    for (let i = 0; i < 5; i++) await trade(`T${i}`);

    const b = await launch(dir, pageErrors);
    context = b.context;
    const page = b.page;
    await page.goto(`http://127.0.0.1:${admin.port}/#token=${TOKEN}`);

    const row = page.locator('#sessions tr[data-compid="ALPHA"]');
    await row.waitFor({ timeout: 20_000 });
    const rowText = await row.textContent();
    t.true(rowText!.includes('ALPHA'), rowText!);
    t.true(rowText!.includes('logged-on'), rowText!);
    t.true(rowText!.includes('127.0.0.1'), rowText!);
    t.true((await page.locator('#sessions').textContent())!.includes('BRAVO'), 'the configured, never logged-on session is listed too');
    t.false(page.url().includes(TOKEN), `the token is removed from the address bar: ${page.url()}`);
    t.true(sessionCalls > 0, 'the page reached /sessions with its bearer token');

    // Live refresh: more traffic, then a poll shows a non-zero inbound rate and the new AR count.
    for (let i = 5; i < 25; i++) await trade(`T${i}`);
    // (Polled from here: the page's CSP forbids the string evaluation waitForFunction would use.)
    await until(async () => (await page.locator('#trades').textContent()) === '25');
    await until(async () => (await page.locator('#latency tr td.num').count()) > 0);
    t.is(await page.locator('#health').getAttribute('class'), 'pill ok');
    const latency = (await page.locator('#latency').textContent())!;
    t.true(latency.includes('round_trip'), latency);
    // Positions and margin from the engine: after 25 trades (13 even, 12 odd) MBRA is long 130 AAPL
    // (−13,032.5000) and short 36 MSFT (+14,439.6000); the page shows the engine's exact text.
    await until(async () => ((await page.locator('#positions').textContent()) ?? '').includes('-13,032.5000'));
    const positions = (await page.locator('#positions').textContent())!;
    t.true(positions.includes(TEST_SECURITIES.AAPL.isin) && positions.includes(TEST_SECURITIES.MSFT.isin), positions);
    t.true(positions.includes('14,439.6000'), positions);
    t.is(await page.locator('#margin .margin-row').count(), 4, 'one margin row per member of the reference data');

    // Keep trading until the throughput chart has a line of at least four polls' rates.
    let n = 25;
    while (((await page.locator('#tp-in').getAttribute('points')) ?? '').split(' ').length < 4) {
      if (n > 2000) throw new Error('the throughput chart never drew');
      await trade(`T${n++}`);
    }
    t.not(await page.locator('#rate-in').textContent(), '–');
    await screenshot(t, page, path.join(shotDir, 'dashboard.png'));
    t.deepEqual(pageErrors, []);
  } finally {
    await context?.close();
    client?.destroy();
    await admin.close();
    await gw.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

(hasChromium ? test.serial : test.skip)('dashboard renders positions with exact per-member money totals and margin use bars (fake sources)', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'admin-dashboard-'));
  const shotDir = process.env.ADMIN_SCREENSHOT_DIR ?? path.join(dir, 'shots');
  fs.mkdirSync(shotDir, { recursive: true });
  const { sources } = fakeSources();
  const metrics = new GatewayMetrics({ defaultMetrics: false });
  const admin = await startAdmin(sources, { port: 0, token: TOKEN, metrics, log: () => undefined });
  const pageErrors: string[] = [];
  let context: Context | undefined;
  try {
    const b = await launch(dir, pageErrors);
    context = b.context;
    const page = b.page;
    await page.goto(`http://127.0.0.1:${admin.port}/#token=${TOKEN}`);
    await page.locator('#positions tr').nth(3).waitFor({ timeout: 20_000 });
    const positions = (await page.locator('#positions').textContent())!;
    t.true(positions.includes('-18,725.0000'), positions);
    // 123456789012345678901 × 10^-4, summed in the page with BigInt: no digit lost.
    t.true(positions.includes('MBR2 total') && positions.includes('12,345,678,901,234,567.8901'), positions);
    const margin = (await page.locator('#margin').textContent())!;
    t.true(margin.includes('1,234.5600 of 2,000.0000 (61.7%)'), margin);
    t.true(margin.includes('MARGIN CALL'), margin);
    t.is(await page.locator('#margin .bar > span.call').count(), 1);
    await screenshot(t, page, path.join(shotDir, 'dashboard-data.png'));
    t.deepEqual(pageErrors, []);
  } finally {
    await context?.close();
    await admin.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

(hasChromium ? test.serial : test.skip)('dashboard without the token says how to open it (401 handled, no data shown)', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'admin-dashboard-'));
  const { sources } = fakeSources();
  const admin = await startAdmin(sources, { port: 0, token: TOKEN, metrics: new GatewayMetrics({ defaultMetrics: false }), log: () => undefined });
  const pageErrors: string[] = [];
  let context: Context | undefined;
  try {
    const b = await launch(dir, pageErrors);
    context = b.context;
    await b.page.goto(`http://127.0.0.1:${admin.port}/#token=wrong-token-wrong-token`);
    const banner = b.page.locator('#error');
    await banner.waitFor({ state: 'visible', timeout: 20_000 });
    t.regex((await banner.textContent())!, /Not authorized: open this page as \/#token=/);
    t.is(await b.page.locator('#sessions tr').count(), 0);
  } finally {
    await context?.close();
    await admin.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
