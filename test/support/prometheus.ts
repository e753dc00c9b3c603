import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../harness/core/clock.js';
import { waitFor } from '../../harness/core/wait.js';
import { freePort } from './ports.js';

/**
 * Real Prometheus-family servers from Debian's packages (prometheus,
 * prometheus-pushgateway, prometheus-alertmanager), each on 127.0.0.1 with a
 * random port and a temp directory, stopped and removed by `close()`.
 */
export interface PromServer extends AsyncDisposable {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** What the server printed, for failure messages. */
  log(): string;
  /** Stops the process (SIGTERM, then SIGKILL), keeping its directory: to simulate an outage. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

async function startServer(name: string, binary: string, args: (port: number, dir: string) => string[], setup?: (dir: string) => Promise<void>, readyPath = '/-/ready'): Promise<PromServer> {
  const dir = await mkdtemp(join(tmpdir(), `chaoslab-${name}-`));
  await setup?.(dir);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  let child: ChildProcess | undefined = spawn(binary, args(port, dir), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || exited) return;
    const gone = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 5_000);
    await gone;
    clearTimeout(timer);
  };
  try {
    await waitFor(
      async () => {
        if (exited) throw new Error(`${name} exited while starting:\n${output}`);
        const response = await fetch(`${url}${readyPath}`).catch(() => undefined);
        return response?.ok ? true : undefined;
      },
      { clock: systemClock, timeoutMs: 30_000, intervalMs: 50, description: `${name} ready on ${url}` },
    );
  } catch (error) {
    await stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const close = async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  };
  return { url, port, log: () => output, stop, close, [Symbol.asyncDispose]: close };
}

/** A Pushgateway that keeps nothing on disk. */
export function startPushgateway(): Promise<PromServer> {
  return startServer('pushgateway', '/usr/bin/prometheus-pushgateway', (port) => [`--web.listen-address=127.0.0.1:${port}`]);
}

export interface ScrapeTarget {
  readonly job: string;
  /** host:port on 127.0.0.1 */
  readonly target: string;
  /** Keep the scraped series' own `job`/`instance` labels (as a Pushgateway needs). */
  readonly honorLabels?: boolean;
}

/** A Prometheus scraping the given targets every `scrapeIntervalS` seconds, evaluating `rules` (YAML) if given. */
export function startPrometheus(targets: readonly ScrapeTarget[], options: { scrapeIntervalS?: number; rules?: string; alertmanager?: string } = {}): Promise<PromServer> {
  const interval = `${options.scrapeIntervalS ?? 1}s`;
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval },
    ...(options.rules !== undefined && { rule_files: ['rules.yml'] }),
    ...(options.alertmanager !== undefined && { alerting: { alertmanagers: [{ static_configs: [{ targets: [options.alertmanager] }] }] } }),
    scrape_configs: targets.map((t) => ({ job_name: t.job, honor_labels: t.honorLabels ?? false, static_configs: [{ targets: [t.target] }] })),
  };
  return startServer(
    'prometheus',
    '/usr/bin/prometheus',
    (port, dir) => [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
    ],
    async (dir) => {
      // JSON is YAML: no serializer needed for the config
      await writeFile(join(dir, 'prometheus.yml'), JSON.stringify(config));
      if (options.rules !== undefined) await writeFile(join(dir, 'rules.yml'), options.rules);
    },
  );
}

/** An Alertmanager with one receiver that sends nowhere (alerts are only read back through its API). */
export function startAlertmanager(): Promise<PromServer> {
  const config = { route: { receiver: 'none', group_wait: '0s', group_interval: '1s', repeat_interval: '1h' }, receivers: [{ name: 'none' }] };
  return startServer(
    'alertmanager',
    '/usr/bin/prometheus-alertmanager',
    (port, dir) => [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // a single node: no gossip port, no peers
      '--cluster.listen-address=',
    ],
    (dir) => writeFile(join(dir, 'alertmanager.yml'), JSON.stringify(config)),
  );
}

/** Prometheus' instant query API: the result vector of `query`. */
export async function promQuery(prometheus: PromServer, query: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const response = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await response.json()) as { status: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] }; error?: string };
  if (body.status !== 'success' || !body.data) throw new Error(`query ${query} failed: ${body.error ?? response.status}`);
  return body.data.result;
}
