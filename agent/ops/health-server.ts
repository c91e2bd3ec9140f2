import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/index.js';
import type { AgentStatus, HealthReport } from './status-report.js';

export const DEFAULT_HEALTH_HOST = '127.0.0.1';
export const DEFAULT_HEALTH_PORT = 9464;

export interface HealthServerOptions {
  host?: string;
  port?: number;
  logger: Logger;
  report: () => HealthReport;
  /** What the agent is doing, for `camwatch status`. */
  status: () => AgentStatus;
  /** Refreshes gauges, then renders Prometheus text. */
  metrics: () => Promise<{ contentType: string; body: string }>;
}

/**
 * `/healthz` (liveness), `/readyz` (readiness, with the failing checks), `/status` (JSON for `camwatch
 * status`) and `/metrics` (Prometheus), bound
 * to loopback by default: the box's operator reads them over SSH or a local scraper, nobody else.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<{ url: string; close(): Promise<void> }> {
  const log = options.logger.child({ component: 'health' });
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET') return json(405, { error: 'GET only' });
    if (path === '/healthz') {
      const r = options.report();
      return json(r.live ? 200 : 503, { status: r.live ? 'ok' : 'fail' });
    }
    if (path === '/readyz') {
      const r = options.report();
      return json(r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', checks: r.checks });
    }
    if (path === '/status') return json(200, options.status());
    if (path === '/metrics') {
      options.metrics().then(
        (m) => {
          res.writeHead(200, { 'content-type': m.contentType });
          res.end(m.body);
        },
        (err: unknown) => {
          log.error({ err }, 'metrics rendering failed');
          json(500, { error: 'metrics failed' });
        },
      );
      return;
    }
    json(404, { error: 'not found', paths: ['/healthz', '/readyz', '/status', '/metrics'] });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_HEALTH_PORT, options.host ?? DEFAULT_HEALTH_HOST, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  log.info({ url }, 'health and metrics server listening');
  return {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
