import { z } from 'zod';
import { psScript } from '../../quoting/powershell.js';
import { ps } from '../../quoting/shell.js';
import { defineFault } from '../fault.js';
import { driftedWhen, loadSnapshot, printJson } from './common.js';

const params = z.strictObject({
  /** Local account name; "Guest" on an English system (the well-known RID 501 account). */
  account: z.string().min(1).default('Guest'),
});

/** The local Guest account enabled. Its footprint names the account for the guard. */
export const guestAccountEnabled = defineFault({
  name: 'windows.guest_account_enabled',
  platform: 'windows',
  summary: 'Enables the local Guest account',
  params,
  resources: ({ account }) => [`account:${account.toLowerCase()}`],
  footprint: ({ account }) => ({ accounts: [account] }),
  build: ({ account }) => ({
    snapshot: psScript(printJson(ps`[ordered]@{ enabled = [bool](Get-LocalUser -Name ${account}).Enabled }`)),
    inject: psScript(ps`Enable-LocalUser -Name ${account}`),
    check: psScript(driftedWhen(ps`(Get-LocalUser -Name ${account}).Enabled`)),
    revert: (snapshot) => psScript(loadSnapshot(snapshot), ps`if (-not $snapshot.enabled) { Disable-LocalUser -Name ${account} }`),
  }),
});
