/** The admin room's public surface (the gateway composes it; nothing else in src imports it). */
export { startAdmin, AdminErrorCode, MIN_TOKEN_LENGTH, isLoopback, type AdminOptions, type AdminServer } from './server.js';
export { GatewayMetrics, RejectKind, Stage, STAGE_LABELS, LATENCY_BOUNDS_SECONDS, type MetricsSnapshot, type GatewayMetricsOptions } from './metrics.js';
export type { AdminSources, SessionRow, SessionState, PositionRow, MarginRow, ObligationRow, ObligationsResult, HealthInfo, Money4 } from './sources.js';
export { histogramQuantile } from './quantile.js';
