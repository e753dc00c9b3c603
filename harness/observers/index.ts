/** The observers of chaoslab: the contract, the shared correlation and every built-in kind. */
export type { ObservedEvent, MalformedRecord, ObserverOutput, WatchRequest, PrepareRequest, ObserverContext, Observer } from './observer.js';
export { Correlator, hostNames, normalizeName, observerCheckTypeAliases, type CorrelationTarget, type CorrelationResult } from './correlate.js';
export { createObserver, observerFactories, type ObserverFactory } from './registry.js';
export { LogObserver } from './log.js';
export { followCommand, measureCommand, type LogPosition } from './log-tail.js';
export { HttpObserver } from './http.js';
export { WebhookObserver } from './webhook.js';
export { signWebhook, webhookHeaders } from './webhook-signature.js';
export { PostgresObserver } from './postgres.js';
export { compileQuery, QUERY_PARAMETERS } from './postgres-query.js';
export { BrowserObserver, CHROMIUM_FLAGS } from './browser.js';
