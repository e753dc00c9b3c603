import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What a healing agent that reports through metrics exposes: counters such as
 * `remediations_total{host="…",check="…",result="success"}` on /metrics, in
 * Prometheus' text format, on 127.0.0.1. The test acting as the agent counts
 * its remediations with `inc`, and `restart` simulates the agent restarting
 * (every counter back to 0).
 */
export interface CounterExporter extends AsyncDisposable {
  /** host:port for a scrape config */
  readonly target: string;
  inc(labels: Readonly<Record<string, string>>, by?: number): void;
  restart(): void;
  close(): Promise<void>;
}

export async function startCounterExporter(metric = 'remediations_total'): Promise<CounterExporter> {
  const counters = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    const lines = [`# HELP ${metric} Remediations the agent ran, by outcome.`, `# TYPE ${metric} counter`];
    for (const [labels, value] of counters) lines.push(`${metric}{${labels}} ${value}`);
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return {
    target: `127.0.0.1:${port}`,
    inc(labels, by = 1) {
      const key = Object.entries(labels).map(([name, value]) => `${name}="${value}"`).join(',');
      counters.set(key, (counters.get(key) ?? 0) + by);
    },
    restart() {
      counters.clear();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
