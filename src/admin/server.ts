/**
 * The admin HTTP API (node:http): operators' read-only view of the running gateway.
 *
 *   GET /health                 status, uptime, journal durable vs end position, ready flags (no auth)
 *   GET /sessions               per session: id, member, CompIDs, BeginString, state, next seq numbers, remote
 *   GET /positions[?member=M]   net positions (money as exact decimal text)
 *   GET /margin                 per member: requirement, collateral value, excess, deficit, margin call
 *   GET /obligations[?settlDate=YYYY-MM-DD]
 *   GET /metrics                Prometheus text (prom-client registry of GatewayMetrics)
 *   GET /api/stats              JSON snapshot of the metrics (the dashboard's throughput and latency)
 *   GET /  (+ /dashboard.js, /dashboard.css, /favicon.svg)   the live dashboard (no auth: static, no data)
 *
 * Auth decision: a bearer token on every data endpoint. Open are only /health (liveness/readiness
 * probes must work without secrets; it names no member and carries no positions) and the dashboard's
 * static files (a browser navigation cannot carry an Authorization header; they contain no data, and
 * the page sends the token itself on each data request). Missing or wrong token: 401 with
 * `WWW-Authenticate: Bearer realm="gateway-admin"`. The comparison is constant-time (SHA-256 of both
 * sides, then timingSafeEqual, so neither the content nor the length of the token leaks through timing).
 * A token is required unless the server listens on a loopback address and `allowNoToken` is set, and
 * must have at least MIN_TOKEN_LENGTH characters. A token in a query string (?token=, ?access_token=)
 * is refused with 400 before any auth check: query strings end up in logs (the dashboard takes it
 * from the URL fragment instead, see dashboard.ts). /health answers 503 when not ready or the journal
 * failed, so a probe needs only the status code.
 *
 * Errors: unknown path 404 {error}; a method other than GET/HEAD 405; a bad or unknown query parameter
 * 400 {error} naming it; a source that throws 500 {error: "internal error"} (the detail goes to `log`).
 * Money is exact decimal text ("1234.5600") from integer mantissas, never from Number division.
 *
 * Thread: the gateway's JS thread (node:http callbacks); sources are called there, per request.
 */
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayError } from '../codec/errors.js';
import { DASHBOARD_CSS, DASHBOARD_HTML, DASHBOARD_JS, FAVICON_SVG } from './dashboard.js';
import { formatMoney4, formatYmd, ID_PATTERN, money4Big, parseYmd } from './format.js';
import type { GatewayMetrics } from './metrics.js';
import type { AdminSources, HealthInfo } from './sources.js';

export const AdminErrorCode = {
  /** No token configured while listening on a non-loopback address (or without allowNoToken). */
  ADMIN_TOKEN_REQUIRED: 'ADMIN_TOKEN_REQUIRED',
  /** The token is shorter than MIN_TOKEN_LENGTH. */
  ADMIN_TOKEN_WEAK: 'ADMIN_TOKEN_WEAK',
  /** listen() failed (address in use, permission). */
  ADMIN_LISTEN: 'ADMIN_LISTEN',
} as const;

export const MIN_TOKEN_LENGTH = 16;

export interface AdminOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = ephemeral (see AdminServer.port). */
  port: number;
  /** Bearer token; required unless host is loopback and allowNoToken. */
  token?: string;
  allowNoToken?: boolean;
  metrics: GatewayMetrics;
  /** Operator log lines; default console.log. */
  log?: (line: string) => void;
  /** Clock (epoch ms); default Date.now. */
  now?: () => number;
}

export interface AdminServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Starts listening; resolves once bound. Throws GatewayError (AdminErrorCode) on bad options or bind failure. */
export async function startAdmin(sources: AdminSources, options: AdminOptions): Promise<AdminServer> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? ((l: string) => console.log(l));
  const now = options.now ?? Date.now;
  const token = options.token;
  if (token === undefined || token === '') {
    if (!(isLoopback(host) && options.allowNoToken))
      throw new GatewayError(AdminErrorCode.ADMIN_TOKEN_REQUIRED, `admin HTTP on ${host} needs a bearer token (only a loopback address may run without one, with allowNoToken)`, { host });
  } else if (token.length < MIN_TOKEN_LENGTH) {
    throw new GatewayError(AdminErrorCode.ADMIN_TOKEN_WEAK, `the admin token must have at least ${MIN_TOKEN_LENGTH} characters`, { length: token.length });
  }
  const tokenDigest = token ? sha256(token) : undefined;
  const startedAt = now();
  const h = new Handler(sources, options.metrics, tokenDigest, startedAt, now);
  const server = http.createServer((req, res) => {
    h.handle(req, res).catch((e: unknown) => {
      log(`admin: ${req.method} ${pathOf(req.url)}: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => reject(new GatewayError(AdminErrorCode.ADMIN_LISTEN, `admin HTTP cannot listen on ${host}:${options.port}: ${e.message}`, { host, port: options.port }, { cause: e }));
    server.once('error', onError);
    server.listen(options.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (e) => log(`admin: server error: ${e.message}`));
  const port = (server.address() as AddressInfo).port;
  log(`admin: listening http://${host.includes(':') ? `[${host}]` : host}:${port}/ (${tokenDigest ? 'bearer token required' : 'NO token: loopback only'})`);
  let closed: Promise<void> | undefined;
  return {
    host,
    port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function sha256(s: string): Buffer {
  return crypto.createHash('sha256').update(s, 'utf8').digest();
}

function pathOf(url: string | undefined): string {
  const u = url ?? '/';
  const q = u.indexOf('?');
  return q < 0 ? u : u.slice(0, q);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

function sendText(res: http.ServerResponse, type: string, body: string, cache = 'no-store'): void {
  res.writeHead(200, {
    'Content-Type': type,
    'Cache-Control': cache,
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': CSP,
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

class BadQuery extends Error {
  constructor(readonly parameter: string, why: string) {
    super(`bad query parameter '${parameter}': ${why}`);
  }
}

/** Query parameters of a request, each allowed name at most once; others are a BadQuery. */
function query(params: URLSearchParams, allowed: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of params) {
    if (k === 'token' || k === 'access_token')
      throw new BadQuery(k, 'send the token as an Authorization: Bearer header (the dashboard: in the URL fragment, /#token=...), never in a query string, which servers and proxies log');
    if (!allowed.includes(k)) throw new BadQuery(k, allowed.length ? `unknown (allowed: ${allowed.join(', ')})` : 'this endpoint takes no parameters');
    if (out.has(k)) throw new BadQuery(k, 'given more than once');
    out.set(k, v);
  }
  return out;
}

type Route = (params: URLSearchParams, res: http.ServerResponse) => Promise<void>;

class Handler {
  private readonly routes: Record<string, Route>;
  private readonly statics: Record<string, [type: string, body: string]> = {
    '/': ['text/html; charset=utf-8', DASHBOARD_HTML],
    '/index.html': ['text/html; charset=utf-8', DASHBOARD_HTML],
    '/dashboard.js': ['text/javascript; charset=utf-8', DASHBOARD_JS],
    '/dashboard.css': ['text/css; charset=utf-8', DASHBOARD_CSS],
    '/favicon.svg': ['image/svg+xml', FAVICON_SVG],
  };

  constructor(
    private readonly sources: AdminSources,
    private readonly metrics: GatewayMetrics,
    private readonly tokenDigest: Buffer | undefined,
    private readonly startedAt: number,
    private readonly now: () => number,
  ) {
    this.routes = {
      '/sessions': (u, r) => this.sessions(u, r),
      '/positions': (u, r) => this.positions(u, r),
      '/margin': (u, r) => this.margin(u, r),
      '/obligations': (u, r) => this.obligations(u, r),
      '/metrics': (u, r) => this.prometheus(u, r),
      '/api/stats': (u, r) => this.stats(u, r),
    };
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // Path and query taken apart by hand: new URL() would read "//host/x" as a host, not a path.
    const raw = req.url ?? '/';
    const qi = raw.indexOf('?');
    const path = qi < 0 ? raw : raw.slice(0, qi);
    const params = new URLSearchParams(qi < 0 ? '' : raw.slice(qi + 1));
    const known = path === '/health' || Object.hasOwn(this.routes, path) || Object.hasOwn(this.statics, path);
    if (!known) return sendJson(res, 404, { error: `no such endpoint: ${path}` });
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: `method ${req.method} not allowed` }, { Allow: 'GET, HEAD' });
    try {
      if (Object.hasOwn(this.statics, path)) {
        query(params, []);
        const [type, body] = this.statics[path]!;
        return sendText(res, type, body);
      }
      if (path === '/health') return await this.health(params, res);
      query(params, [...params.keys()].filter((k) => k !== 'token' && k !== 'access_token')); // a token in the query: 400 saying how, before 401
      if (!this.authorized(req)) {
        const wrong = req.headers.authorization !== undefined;
        return sendJson(res, 401, { error: wrong ? 'invalid bearer token' : 'bearer token required' }, {
          'WWW-Authenticate': wrong ? 'Bearer realm="gateway-admin", error="invalid_token"' : 'Bearer realm="gateway-admin"',
        });
      }
      return await this.routes[path]!(params, res);
    } catch (e) {
      if (e instanceof BadQuery) return sendJson(res, 400, { error: e.message, parameter: e.parameter });
      throw e;
    }
  }

  private authorized(req: http.IncomingMessage): boolean {
    if (this.tokenDigest === undefined) return true;
    const a = req.headers.authorization;
    if (a === undefined) return false;
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(a);
    // Hash even a malformed header so every refusal costs the same.
    const given = sha256(m === null ? '' : m[1]!);
    return crypto.timingSafeEqual(given, this.tokenDigest) && m !== null;
  }

  private async health(params: URLSearchParams, res: http.ServerResponse): Promise<void> {
    query(params, []);
    const h: HealthInfo = await this.sources.health();
    const failure = h.journal.failure ?? null;
    const ready = Object.values(h.ready).every(Boolean);
    const status = failure !== null ? 'down' : ready ? 'ok' : 'degraded';
    const started = h.startedAtMs ?? this.startedAt;
    const durable = h.journal.durablePosition;
    sendJson(res, status === 'ok' ? 200 : 503, {
      status,
      uptimeSeconds: Math.max(0, (this.now() - started) / 1000),
      journal: {
        durablePosition: durable,
        endPosition: h.journal.endPosition,
        // durablePosition is the start of the last durable record, so this counts that record too.
        lagBytes: Math.max(0, h.journal.endPosition - Math.max(durable, 0)),
        failure,
      },
      ready: h.ready,
    });
  }

  private async sessions(params: URLSearchParams, res: http.ServerResponse): Promise<void> {
    query(params, []);
    const rows = await this.sources.sessions();
    sendJson(res, 200, {
      sessions: rows.map((s) => ({
        id: s.sessionId,
        member: s.member,
        compIds: { sender: s.senderCompId, target: s.targetCompId },
        beginString: s.beginString,
        state: s.state,
        loggedOn: s.loggedOn,
        nextSeqIn: s.nextInSeq,
        nextSeqOut: s.nextOutSeq,
        remoteAddress: s.remoteAddress,
        remotePort: s.remotePort ?? null,
        tls: s.tls ?? null,
      })),
    });
  }

  private async positions(params: URLSearchParams, res: http.ServerResponse): Promise<void> {
    const q = query(params, ['member']);
    const member = q.get('member');
    if (member !== undefined && !ID_PATTERN.test(member)) throw new BadQuery('member', 'expected 1-32 characters of A-Z a-z 0-9 _ . -');
    const rows = await this.sources.positions(member);
    sendJson(res, 200, {
      member: member ?? null,
      positions: rows.map((p) => ({
        member: p.member,
        isin: p.isin,
        settlDate: formatYmd(p.settlDate),
        netQty: p.netQty,
        netMoney: formatMoney4(p.netMoney),
      })),
    });
  }

  private async margin(params: URLSearchParams, res: http.ServerResponse): Promise<void> {
    query(params, []);
    const rows = await this.sources.margin();
    sendJson(res, 200, {
      members: rows.map((m) => {
        const req = money4Big(m.requirement);
        const col = money4Big(m.collateralValue);
        const diff = col - req;
        return {
          member: m.member,
          requirement: formatMoney4(req),
          collateralValue: formatMoney4(col),
          excess: formatMoney4(diff > 0n ? diff : 0n),
          deficit: formatMoney4(diff < 0n ? -diff : 0n),
          marginCall: m.marginCall,
        };
      }),
    });
  }

  private async obligations(params: URLSearchParams, res: http.ServerResponse): Promise<void> {
    const q = query(params, ['settlDate']);
    const text = q.get('settlDate');
    let date: number | undefined;
    if (text !== undefined) {
      date = parseYmd(text);
      if (date === undefined) throw new BadQuery('settlDate', 'expected a calendar date YYYY-MM-DD (or YYYYMMDD)');
    }
    const r = await this.sources.obligations(date);
    sendJson(res, 200, {
      settlDate: r.settlDate === null ? null : formatYmd(r.settlDate),
      obligations: r.rows.map((o) => ({
        member: o.member,
        isin: o.isin,
        settlDate: formatYmd(o.settlDate),
        side: o.netQty > 0 ? 'RECEIVE' : o.netQty < 0 ? 'DELIVER' : 'FLAT',
        netQty: o.netQty,
        netMoney: formatMoney4(o.netMoney),
      })),
    });
  }

  private async prometheus(params: URLSearchParams, res: http.ServerResponse): Promise<void> {
    query(params, []);
    const text = await this.metrics.metricsText();
    res.writeHead(200, { 'Content-Type': this.metrics.contentType, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    res.end(res.req.method === 'HEAD' ? undefined : text);
  }

  private async stats(params: URLSearchParams, res: http.ServerResponse): Promise<void> {
    query(params, []);
    sendJson(res, 200, { ...this.metrics.snapshot(), uptimeSeconds: Math.max(0, (this.now() - this.startedAt) / 1000) });
  }
}
