import { ChaoslabError } from '../harness/core/errors.js';
import { createConsoleReporter } from './console.js';
import { createGithubReporter } from './github.js';
import { createHtmlReporter } from './html.js';
import { createJsonReporter } from './json.js';
import { createJunitReporter } from './junit.js';
import { createMarkdownReporter } from './markdown.js';
import { createPdfReporter } from './pdf.js';
import { createPrometheusReporter } from './prometheus.js';
import type { ReporterFactory } from './reporter.js';

/** Built-in reporters by name: `--reporter console,json,junit,markdown,html,pdf,prometheus,github`. */
export const reporterFactories = {
  console: createConsoleReporter,
  json: createJsonReporter,
  junit: createJunitReporter,
  markdown: createMarkdownReporter,
  html: createHtmlReporter,
  prometheus: createPrometheusReporter,
  pdf: createPdfReporter,
  github: (context) => createGithubReporter(context),
} satisfies Record<string, ReporterFactory>;

export type ReporterName = keyof typeof reporterFactories;

export function isReporterName(name: string): name is ReporterName {
  return Object.hasOwn(reporterFactories, name);
}

/** Parses `console,json,html` into known names, or throws a usage error naming the unknown ones. */
export function parseReporterList(list: string): ReporterName[] {
  const names = list.split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !isReporterName(n));
  if (unknown.length) {
    throw new ChaoslabError('CHAOSLAB_USAGE', `unknown reporter ${unknown.join(', ')} (known: ${Object.keys(reporterFactories).join(', ')})`);
  }
  return [...new Set(names)] as ReporterName[];
}

/** The `--reporter` help text, naming every built-in reporter (so `--help` cannot fall behind the registry). */
export function reporterOptionHelp(): string {
  return `comma-separated reporters, any of: ${Object.keys(reporterFactories).join(', ')}`;
}

/** `--pushgateway` pushes what the prometheus reporter renders, so it brings that reporter along. */
export function withPushReporter(names: ReporterName[], pushgateway: string | undefined): ReporterName[] {
  return pushgateway !== undefined && !names.includes('prometheus') ? [...names, 'prometheus'] : names;
}
