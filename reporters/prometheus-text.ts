/**
 * Prometheus' text exposition format (version 0.0.4): `# HELP`, `# TYPE`, then
 * one `name{label="value"} number` line per sample. Families are written in the
 * order they are added; a family with no samples is left out.
 */
export type MetricType = 'gauge' | 'counter' | 'histogram';

export interface Sample {
  /** Suffix of the family name (`_bucket`, `_sum`, `_count` for histograms), empty for plain samples. */
  readonly suffix?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Label values escape backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and line feed. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  const entries = Object.entries(labels ?? {});
  if (!entries.length) return '';
  for (const [name] of entries) if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new Error(`invalid label name ${name}`);
  return `{${entries.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

export class Exposition {
  private readonly families: Family[] = [];

  family(name: string, type: MetricType, help: string): Sample[] {
    if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name ${name}`);
    if (this.families.some((f) => f.name === name)) throw new Error(`metric ${name} added twice`);
    const family: Family = { name, help, type, samples: [] };
    this.families.push(family);
    return family.samples;
  }

  text(): string {
    const lines: string[] = [];
    for (const family of this.families) {
      if (!family.samples.length) continue;
      lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
      for (const sample of family.samples) lines.push(`${family.name}${sample.suffix ?? ''}${formatLabels(sample.labels)} ${formatValue(sample.value)}`);
    }
    return lines.length ? `${lines.join('\n')}\n` : '';
  }
}

/** Cumulative histogram samples (`_bucket` with `le`, `+Inf`, `_sum`, `_count`) of `values` over `bounds`. */
export function histogramSamples(values: readonly number[], bounds: readonly number[], labels: Readonly<Record<string, string>> = {}): Sample[] {
  const samples: Sample[] = bounds.map((bound) => ({ suffix: '_bucket', labels: { ...labels, le: formatValue(bound) }, value: values.filter((v) => v <= bound).length }));
  samples.push({ suffix: '_bucket', labels: { ...labels, le: '+Inf' }, value: values.length });
  samples.push({ suffix: '_sum', labels, value: values.reduce((sum, v) => sum + v, 0) });
  samples.push({ suffix: '_count', labels, value: values.length });
  return samples;
}
