import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createReadStream, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { systemClock } from '../core/clock.js';
import { ChaoslabError, errorMessage } from '../core/errors.js';
import { waitFor } from '../core/wait.js';
import { buildImage, imageExists, importRootfs, pruneOtherTags, pullImage, storedImageName, type Engine } from '../transport/container-engine.js';
import { projectRoot } from './paths.js';

/**
 * The lab host image, built in two layers so that editing the healer or a
 * baseline file never re-downloads Debian:
 *   base    Debian bookworm + packages.txt, tagged by the hash of the package list.
 *           From `Containerfile.base` when a registry answers, else debootstrap +
 *           import (the rootfs tarball is cached under .cache/).
 *   overlay Containerfile: baseline config, init, healer bundle and rules, the
 *           CFEngine and Puppet policies (lab/healers/), tagged by the hash of
 *           all its inputs. Built only when that tag is missing.
 */
export const LAB_IMAGE_REPOSITORY = 'chaoslab/linux-host';
const BASE_REPOSITORY = 'chaoslab/linux-host-base';
const REGISTRY_BASE = 'docker.io/library/debian:bookworm-slim';

export type BaseSource = 'cached' | 'registry' | 'debootstrap';

export interface LabImage {
  readonly tag: string;
  readonly baseTag: string;
  readonly built: boolean;
  readonly baseSource: BaseSource;
  readonly durationMs: number;
}

export interface ImageOptions {
  readonly engine: Engine;
  readonly onProgress?: (message: string) => void;
  /** Rebuild the overlay even when its tag exists. */
  readonly force?: boolean;
  /** `auto` (default) tries the registry, then debootstrap. */
  readonly source?: 'auto' | 'registry' | 'offline';
}

interface ImageInputs {
  readonly imageDir: string;
  readonly healerBundle: string;
  readonly healerRules: string;
  /** lab/healers/: the policies of the other healing stacks a lab can choose. */
  readonly stacksDir: string;
  /** The policy files the image carries (READMEs and expectation overlays stay out, so editing them builds nothing). */
  readonly stackPolicies: readonly string[];
  readonly packages: readonly string[];
  readonly baseHash: string;
  readonly overlayHash: string;
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else out.push(full);
  }
  return out.sort();
}

async function ensureHealerBundle(root: string, bundle: string, onProgress?: (message: string) => void): Promise<void> {
  if (existsSync(bundle)) return;
  onProgress?.('bundling the reference healer (scripts/build-healer.mjs)');
  await runCommand(process.execPath, [join(root, 'scripts/build-healer.mjs')], root);
}

/** Hashes everything that ends up in the image; the tags are these hashes. */
async function imageInputs(root = projectRoot()): Promise<ImageInputs> {
  const imageDir = join(root, 'lab/images/linux-host');
  const healerBundle = join(root, 'lab/healer/dist/healer.mjs');
  const healerRules = join(root, 'lab/healer/rules/default.yaml');
  const stacksDir = join(root, 'lab/healers');
  const stackPolicies = [join(stacksDir, 'cfengine/promises.cf'), ...(await filesUnder(join(stacksDir, 'puppet/manifests')))];
  await ensureHealerBundle(root, healerBundle);
  const packageText = await readFile(join(imageDir, 'packages.txt'), 'utf8');
  const packages = packageText.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  const base = createHash('sha256').update(packages.join(' ')).update(await readFile(join(imageDir, 'Containerfile.base')));
  const baseHash = base.digest('hex').slice(0, 12);
  const overlay = createHash('sha256').update(baseHash);
  const overlayFiles = [join(imageDir, 'Containerfile'), ...(await filesUnder(join(imageDir, 'rootfs'))), healerBundle, healerRules, ...stackPolicies];
  for (const file of overlayFiles) {
    const mode = (await stat(file)).mode & 0o777;
    overlay.update(`${relative(root, file)}\0${mode}\0`).update(await readFile(file));
  }
  return { imageDir, healerBundle, healerRules, stacksDir, stackPolicies, packages, baseHash, overlayHash: overlay.digest('hex').slice(0, 12) };
}

export async function ensureLabImage(options: ImageOptions): Promise<LabImage> {
  const started = Date.now();
  const root = projectRoot();
  const say = options.onProgress ?? (() => undefined);
  const inputs = await imageInputs(root);
  const tag = `${LAB_IMAGE_REPOSITORY}:${inputs.overlayHash}`;
  const baseTag = `${BASE_REPOSITORY}:${inputs.baseHash}`;
  const upToDate = async () => !options.force && (await imageExists(options.engine, tag));
  if (await upToDate()) {
    say(`image ${tag} is up to date`);
    return { tag, baseTag, built: false, baseSource: 'cached', durationMs: Date.now() - started };
  }
  // Test files run in parallel processes: one builds, the others wait for its image.
  const release = await acquireBuildLock(join(root, '.cache'), say);
  try {
    if (await upToDate()) return { tag, baseTag, built: false, baseSource: 'cached', durationMs: Date.now() - started };
    return await buildLabImage(options, inputs, tag, baseTag, root, started);
  } finally {
    await release();
  }
}

/** A lock directory; one left by a killed build is taken over after `staleMs`. */
async function acquireBuildLock(cacheDir: string, say: (message: string) => void, staleMs = 20 * 60_000): Promise<() => Promise<void>> {
  const lock = join(cacheDir, 'lab-image.lock');
  await mkdir(cacheDir, { recursive: true });
  let announced = false;
  await waitFor(
    async () => {
      try {
        await mkdir(lock);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
        if (age > staleMs) await rm(lock, { recursive: true, force: true });
        if (!announced) say('another process is building the lab image; waiting for it');
        announced = true;
        return undefined;
      }
    },
    { clock: systemClock, timeoutMs: staleMs + 60_000, intervalMs: 1000, description: 'the lab image build lock' },
  );
  return () => rm(lock, { recursive: true, force: true });
}

async function buildLabImage(options: ImageOptions, inputs: ImageInputs, tag: string, baseTag: string, root: string, started: number): Promise<LabImage> {
  const say = options.onProgress ?? (() => undefined);
  const baseSource = await ensureBase(options, inputs, baseTag, root);
  say(`building ${tag} (baseline config, init, healers) on ${baseTag}`);
  await buildOverlay(options.engine, inputs, baseTag, tag, say);
  say(`image ${tag} built in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  const pruned = await pruneOtherTags(options.engine, LAB_IMAGE_REPOSITORY, tag);
  if (pruned) say(`removed ${pruned} older lab image${pruned === 1 ? '' : 's'}`);
  return { tag, baseTag, built: true, baseSource, durationMs: Date.now() - started };
}

async function ensureBase(options: ImageOptions, inputs: ImageInputs, baseTag: string, root: string): Promise<BaseSource> {
  const say = options.onProgress ?? (() => undefined);
  if (await imageExists(options.engine, baseTag)) return 'cached';
  const source = options.source ?? (process.env.CHAOSLAB_IMAGE_SOURCE as ImageOptions['source']) ?? 'auto';
  if (source !== 'offline') {
    try {
      say(`trying the registry for ${REGISTRY_BASE}`);
      await pullImage(options.engine, REGISTRY_BASE, 20_000);
      say(`building ${baseTag} from Containerfile.base (apt-get install ${inputs.packages.length} packages)`);
      await withContext(async (dir) => {
        await cp(join(inputs.imageDir, 'Containerfile.base'), join(dir, 'Containerfile'));
      }, (context) => buildImage(options.engine, context, baseTag, { PACKAGES: inputs.packages.join(' ') }, say));
      return 'registry';
    } catch (error) {
      if (source === 'registry') throw error;
      say(`no registry (${errorMessage(error).split('\n')[0]}); building the base offline with debootstrap`);
    }
  }
  const tarball = await cachedRootfs(root, inputs, say);
  say(`importing ${relative(root, tarball)} as ${baseTag}`);
  const [repository, tag] = baseTag.split(':') as [string, string];
  await importRootfs(options.engine, createReadStream(tarball), repository, tag);
  return 'debootstrap';
}

/** debootstrap once per package list; the tarball under .cache/ survives image pruning. */
async function cachedRootfs(root: string, inputs: ImageInputs, say: (message: string) => void): Promise<string> {
  const cacheDir = join(root, '.cache');
  const tarball = join(cacheDir, `linux-host-rootfs-${inputs.baseHash}.tar`);
  if (existsSync(tarball)) return tarball;
  if (process.getuid?.() !== 0) {
    throw new ChaoslabError('CHAOSLAB_LAB_ENGINE', 'building the lab image offline needs root (debootstrap); run as root or on a machine that can pull debian:bookworm-slim');
  }
  const rootfs = join(cacheDir, `rootfs-${inputs.baseHash}.tmp`);
  await rm(rootfs, { recursive: true, force: true });
  await mkdir(cacheDir, { recursive: true });
  const started = Date.now();
  say(`debootstrap --variant=minbase bookworm with ${inputs.packages.length} packages (about a minute)`);
  await runCommand('debootstrap', ['--variant=minbase', `--include=${inputs.packages.join(',')}`, 'bookworm', rootfs], root);
  say(`debootstrap done in ${((Date.now() - started) / 1000).toFixed(0)}s; packing the rootfs`);
  // Downloaded .deb files are not needed in the image and would only slow the import.
  const archives = join(rootfs, 'var/cache/apt/archives');
  for (const name of await readdir(archives)) if (name.endsWith('.deb')) await rm(join(archives, name));
  await runCommand('tar', ['-C', rootfs, '--numeric-owner', '-cf', `${tarball}.tmp`, '.'], root);
  await rename(`${tarball}.tmp`, tarball);
  await rm(rootfs, { recursive: true, force: true });
  return tarball;
}

async function buildOverlay(engine: Engine, inputs: ImageInputs, baseTag: string, tag: string, say: (message: string) => void): Promise<void> {
  await withContext(async (dir) => {
    await cp(join(inputs.imageDir, 'Containerfile'), join(dir, 'Containerfile'));
    await cp(join(inputs.imageDir, 'rootfs'), join(dir, 'rootfs'), { recursive: true });
    await mkdir(join(dir, 'healer'));
    await cp(inputs.healerBundle, join(dir, 'healer/healer.mjs'));
    await cp(inputs.healerRules, join(dir, 'healer/rules.yaml'));
    for (const policy of inputs.stackPolicies) await cp(policy, join(dir, 'healers', relative(inputs.stacksDir, policy)), { recursive: true });
  }, async (context) => buildImage(engine, context, tag, { BASE: await storedImageName(engine, baseTag) }, (line) => say(`  ${line}`)));
}

/** Stages a build context in a temp dir and hands it to `use` as a tar stream. */
async function withContext(stage: (dir: string) => Promise<void>, use: (context: NodeJS.ReadableStream & import('node:stream').Readable) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'chaoslab-build-'));
  try {
    await stage(dir);
    await writeFile(join(dir, '.dockerignore'), '');
    const tar = spawn('tar', ['-C', dir, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await use(tar.stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function runCommand(command: string, args: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    child.on('error', (error) => reject(new ChaoslabError('CHAOSLAB_LAB_ENGINE', `${command}: ${error.message} (is it installed? scripts/setup.sh installs it)`, { cause: error })));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new ChaoslabError('CHAOSLAB_LAB_ENGINE', `${command} ${args.slice(0, 2).join(' ')} exited ${code}: ${stderr.trim().split('\n').slice(-5).join('\n')}`));
    });
  });
}
