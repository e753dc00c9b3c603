import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearLeftovers, injectOnce, linuxCatalogue, revertOnce, startLabHost, type CatalogueCase, type LabHostFixture } from '../support/lab.js';

/**
 * Every built-in Linux fault of the catalogue, against the real lab host image
 * (healer off, so nothing but the fault changes the host): the host starts
 * compliant, the injection makes the check fail, the revert makes it pass again.
 */
const SUITE = 'linux-faults';
let host: LabHostFixture;
let cases: CatalogueCase[];

beforeAll(async () => {
  await clearLeftovers(SUITE);
  cases = await linuxCatalogue();
  host = await startLabHost(SUITE, { healer: false });
  // The first test process on a fresh machine builds the lab image (debootstrap: minutes).
}, 900_000);

afterAll(async () => {
  await host?.[Symbol.asyncDispose]();
});

describe('Linux fault library on the lab host image', () => {
  it('covers at least 14 scenarios with 8 reference ids', async () => {
    const ids = (await linuxCatalogue()).map((c) => c.scenario.id);
    expect(ids.length).toBeGreaterThanOrEqual(14);
    for (const id of ['lin-ssh-root-login', 'lin-ssh-password-auth', 'lin-firewall', 'lin-rsyslog', 'lin-audit', 'lin-suid', 'lin-ip-forward', 'lin-cron-perms']) expect(ids).toContain(id);
  });

  it('injects (check says drifted) and reverts (check says compliant) every fault', async () => {
    const failures: string[] = [];
    for (const { scenario, commands } of cases) {
      const injected = await injectOnce(host, commands);
      if (!injected.compliantBefore) failures.push(`${scenario.id}: not compliant before injection`);
      if (injected.injectExit !== 0) failures.push(`${scenario.id}: inject exited ${injected.injectExit}`);
      if (!injected.driftedAfter) failures.push(`${scenario.id}: check still passes after injection`);
      const reverted = await revertOnce(host, commands, injected.snapshot);
      if (reverted.revertExit !== 0) failures.push(`${scenario.id}: revert exited ${reverted.revertExit}`);
      if (!reverted.compliant) failures.push(`${scenario.id}: check fails after revert`);
    }
    expect(failures).toEqual([]);
  }, 300_000);

  it('keeps the management plane: sshd accepts connections after every sshd fault', async () => {
    const sshd = cases.filter((c) => c.fault.name === 'linux.sshd_option' || c.scenario.id === 'lin-sshd-config-perms');
    expect(sshd.length).toBeGreaterThanOrEqual(3);
    for (const { commands } of sshd) {
      const injected = await injectOnce(host, commands);
      expect(injected.driftedAfter).toBe(true);
      // sshd -t parses the file exactly as the next connection's re-exec will.
      const parsed = await host.sh('/usr/sbin/sshd -t && pgrep -x sshd');
      await revertOnce(host, commands, injected.snapshot);
      expect(parsed.exitCode).toBe(0);
    }
  }, 300_000);
});
