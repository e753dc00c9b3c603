import type { ObserverConfigOf } from '../config/observer-schema.js';
import { ObserverUnavailableError } from '../core/errors.js';
import { mapRecord } from './fields.js';
import { authorization, probeOnce, RetryableHttpError } from './http-client.js';
import { promQuery, type PromSample } from './prometheus-api.js';
import type { Observer, ObserverContext, ObserverOutput, PrepareRequest, WatchRequest } from './observer.js';
import { Reconnector, Waker } from './retry.js';

type PrometheusConfig = ObserverConfigOf<'prometheus'>;

/** One series of an instant vector: its labels, its value, and when Prometheus sampled it (epoch ms). */
export interface SeriesSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly sampledAt: number;
}

/** Last seen value per series (by its label set). */
export type CounterValues = ReadonlyMap<string, number>;

export function seriesKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * How much a counter grew between two readings, with Prometheus' own reset
 * rule: a value below the previous one means the counter restarted from 0, so
 * all of it is new. A series seen for the first time after the baseline was
 * created since (counters usually appear on their first increment).
 */
export function counterIncrease(previous: number | undefined, value: number): number {
  if (previous === undefined || value < previous) return value;
  return value - previous;
}

/**
 * The `prometheus` observer: polls a PromQL query of counters and turns every
 * increase after the injection into a signal of the series' kind. The stack's
 * time of an increase is the sample's own timestamp (the scrape that first saw
 * it), read with `timestamp(<query>)`, so a late poll does not make a heal late.
 */
export class PrometheusObserver implements Observer<CounterValues> {
  readonly kind = 'prometheus';
  readonly name: string;
  private readonly waker = new Waker();

  constructor(private readonly config: PrometheusConfig, private readonly context: ObserverContext) {
    this.name = config.name;
  }

  /** The counters just before the injection: only growth past these values is the stack's answer. */
  async prepare(request: PrepareRequest): Promise<CounterValues> {
    return valuesOf(await this.read(request.signal));
  }

  /** Signals for every series that grew since `previous`; `previous` is updated in place. */
  increases(samples: readonly SeriesSample[], previous: Map<string, number>): ObserverOutput[] {
    const outputs: ObserverOutput[] = [];
    for (const sample of samples) {
      const key = seriesKey(sample.labels);
      const before = previous.get(key);
      previous.set(key, sample.value);
      const grew = counterIncrease(before, sample.value);
      if (!(grew > 0)) continue;
      const raw = { query: this.config.query, series: sample.labels, previous: before ?? null, value: sample.value, sampledAt: new Date(sample.sampledAt).toISOString() };
      const output = mapRecord(
        { ...sample.labels },
        {
          source: this.name,
          fields: this.config.fields,
          kinds: this.config.kinds,
          defaults: { at: sample.sampledAt, ...(this.config.default_signal && { kind: this.config.default_signal }) },
        },
      );
      // the same increase read twice (a retried poll) is one report: its id is the series and the value it reached
      outputs.push('malformed' in output ? { ...output, raw } : { ...output, id: `${key}@${sample.value}`, raw });
    }
    return outputs;
  }

  async *watch(request: WatchRequest<CounterValues>): AsyncIterable<ObserverOutput> {
    const reconnector = new Reconnector(this.name, this.context.clock);
    let previous: Map<string, number> | undefined = request.start && new Map(request.start);
    while (!request.signal.aborted) {
      const started = this.context.clock.now();
      let samples: SeriesSample[];
      try {
        samples = await this.read(request.signal);
        reconnector.succeeded();
      } catch (error) {
        if (request.signal.aborted) return;
        if (!(error instanceof RetryableHttpError)) throw error;
        this.context.logger.warn({ observer: this.name, err: error.message }, 'prometheus query failed; retrying');
        try {
          await reconnector.failed(error, request.signal, error.retryAfterMs);
        } catch (failure) {
          if (request.signal.aborted) return;
          throw failure;
        }
        continue;
      }
      if (previous) yield* this.increases(samples, previous);
      // without a prepared baseline the first reading is it: what the counters held before is not this attempt's
      else previous = new Map(valuesOf(samples));
      await this.waker.pause(this.context.clock, this.config.poll_interval - (this.context.clock.now() - started), request.signal);
    }
  }

  /** The query's values with each sample's own timestamp. */
  private async read(signal: AbortSignal): Promise<SeriesSample[]> {
    // both at once, but a failure is reported for the configured query first (the user's own text, not our timestamp() around it)
    const [valuesRead, stampsRead] = await Promise.allSettled([this.query(this.config.query, signal), this.query(`timestamp(${this.config.query})`, signal)]);
    if (valuesRead.status === 'rejected') throw valuesRead.reason;
    if (stampsRead.status === 'rejected') throw stampsRead.reason;
    const [values, stamps] = [valuesRead.value, stampsRead.value];
    const sampledAt = new Map(stamps.map((s) => [seriesKey(withoutName(s.labels)), s.value * 1000]));
    return values.map(({ labels, value, evaluatedAt }) => ({ labels, value, sampledAt: sampledAt.get(seriesKey(withoutName(labels))) ?? evaluatedAt }));
  }

  private async query(query: string, signal: AbortSignal): Promise<readonly PromSample[]> {
    const auth = await authorization(this.config, this.context.resolveSecret);
    const answer = await promQuery(this.config.url, query, { signal, timeoutMs: this.config.timeout, authorization: auth });
    switch (answer.kind) {
      case 'unreachable':
        throw new RetryableHttpError(answer.message);
      case 'busy':
        throw new RetryableHttpError(answer.message, answer.retryAfterMs);
      case 'refused':
        // a bad query (400/422) or bad credentials will not get better by retrying
        throw new ObserverUnavailableError(this.name, answer.message);
      case 'samples':
        if (answer.resultType !== 'vector') throw new ObserverUnavailableError(this.name, `query ${query} returned a ${answer.resultType}, not an instant vector`);
        return answer.samples;
    }
  }

  async probe(): Promise<void> {
    await probeOnce(this.name, async (signal) => void (await this.read(signal)));
  }

  async close(): Promise<void> {
    this.waker.wake();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** `timestamp()` drops the metric name; the series are matched on their other labels. */
function withoutName(labels: Readonly<Record<string, string>>): Record<string, string> {
  const { __name__: _name, ...rest } = labels;
  return rest;
}

function valuesOf(samples: readonly SeriesSample[]): Map<string, number> {
  return new Map(samples.map((s) => [seriesKey(s.labels), s.value]));
}
