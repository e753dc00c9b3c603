import type { ObserverConfig, ObserverConfigOf, ObserverKind } from '../config/observer-schema.js';
import { BrowserObserver } from './browser.js';
import { HttpObserver } from './http.js';
import { LogObserver } from './log.js';
import type { Observer, ObserverContext } from './observer.js';
import { PostgresObserver } from './postgres.js';
import { PrometheusObserver } from './prometheus.js';
import { ReportFileObserver } from './report-file.js';
import { WebhookObserver } from './webhook.js';

export type ObserverFactory<K extends ObserverKind> = (config: ObserverConfigOf<K>, context: ObserverContext) => Observer;

/** Built-in observers, one per `kind` of an inventory's `observers:` entry. */
export const observerFactories: { [K in ObserverKind]?: ObserverFactory<K> } = {
  log: (config, context) => new LogObserver(config, context),
  'report-file': (config, context) => new ReportFileObserver(config, context),
  http: (config, context) => new HttpObserver(config, context),
  postgres: (config, context) => new PostgresObserver(config, context),
  webhook: (config, context) => new WebhookObserver(config, context),
  browser: (config, context) => new BrowserObserver(config, context),
  prometheus: (config, context) => new PrometheusObserver(config, context),
};

export function createObserver(config: ObserverConfig, context: ObserverContext): Observer {
  const factory = observerFactories[config.kind] as ObserverFactory<typeof config.kind> | undefined;
  if (!factory) throw new Error(`no observer registered for kind ${config.kind}`);
  return factory(config as never, context);
}
