import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { labSchema, type LabConfig } from '../../harness/config/lab-schema.js';
import { ContainerLabProvider } from '../../harness/lab/container.js';
import { projectRoot } from '../../harness/lab/paths.js';
import { labImage } from './lab.js';

const run = promisify(execFile);

export interface TestLab extends AsyncDisposable {
  readonly config: LabConfig;
  /** The inventory file `chaoslab run --lab` reads. */
  readonly file: string;
  readonly provider: ContainerLabProvider;
  /** Runs the real CLI (bin/chaoslab.js, built by `npm test`'s build); its revert journal lives in the test's dir. */
  cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

export interface TestLabOptions {
  readonly hostCount?: number;
  /** The shipped inventory to copy (default lab/embedded.yaml; lab/cfengine.yaml, lab/puppet.yaml for the other stacks). */
  readonly inventory?: string;
  /** Changes to the copied inventory's hosts (e.g. more roles on one host). */
  readonly hosts?: (hosts: Record<string, unknown>[]) => Record<string, unknown>[];
}

/**
 * A container lab of its own for one test file: a shipped inventory under another
 * name (so it never touches the demo lab), written to `dir`, brought up by the
 * real provider (which first clears leftovers of a killed earlier run by label).
 * Paths the inventory names relative to itself (expectation overlays) are made absolute.
 */
export async function startTestLab(name: string, dir: string, hostCount = 3, options: TestLabOptions = {}): Promise<TestLab> {
  const inventory = join(projectRoot(), options.inventory ?? 'lab/embedded.yaml');
  const shipped = parse(await readFile(inventory, 'utf8')) as Record<string, unknown>;
  const hosts = (shipped.hosts as Record<string, unknown>[]).slice(0, options.hostCount ?? hostCount);
  const expectations = Object.fromEntries(Object.entries((shipped.expectations ?? {}) as Record<string, string>).map(([profile, path]) => [profile, join(dirname(inventory), path)]));
  const document = { ...shipped, name, hosts: options.hosts ? options.hosts(hosts) : hosts, expectations };
  const file = join(dir, `${name}.yaml`);
  await mkdir(dir, { recursive: true });
  await writeFile(file, stringify(document));
  const config = labSchema.parse(document);
  const provider = new ContainerLabProvider({ image: await labImage() });
  await provider.up(config);
  return {
    config,
    file,
    provider,
    cli: async (args) => {
      try {
        const { stdout, stderr } = await run(process.execPath, [join(projectRoot(), 'bin/chaoslab.js'), ...args], {
          cwd: projectRoot(),
          maxBuffer: 32 * 1024 * 1024,
          env: { ...process.env, CHAOSLAB_STATE_DIR: join(dir, 'state') },
        });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const failed = error as { code?: number; stdout?: string; stderr?: string };
        return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
      }
    },
    [Symbol.asyncDispose]: () => provider.down(config),
  };
}

export interface AttemptSummary {
  readonly attemptId: string;
  readonly scenarioId: string;
  readonly host: string;
  readonly passed: boolean;
  readonly verdict: { kind: string; reason?: string; detail?: string };
}

/** The attempts of the newest run under a reports folder. */
export async function latestAttempts(outDir: string): Promise<AttemptSummary[]> {
  const runJson = JSON.parse(await readFile(join(outDir, 'latest', 'run.json'), 'utf8')) as { attempts: AttemptSummary[] };
  return runJson.attempts;
}
