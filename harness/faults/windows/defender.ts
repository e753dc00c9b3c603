import { z } from 'zod';
import { psScript } from '../../quoting/powershell.js';
import { ps } from '../../quoting/shell.js';
import { defineFault } from '../fault.js';
import { driftedWhen, loadSnapshot, printJson } from './common.js';

const params = z.strictObject({
  path: z.string().min(1).regex(/^[A-Za-z]:\\/, 'an absolute Windows path like C:\\ProgramData\\x').default('C:\\ProgramData\\chaoslab-excluded'),
});

/** A Microsoft Defender exclusion path (malware there is no longer scanned). */
export const defenderExclusion = defineFault({
  name: 'windows.defender_exclusion',
  platform: 'windows',
  summary: 'Adds a Microsoft Defender exclusion path',
  params,
  resources: () => ['defender'],
  footprint: () => ({}),
  build: ({ path }) => {
    const present = ps`@((Get-MpPreference).ExclusionPath) -contains ${path}`;
    return {
      snapshot: psScript(printJson(`[ordered]@{ present = (${present}) }`)),
      inject: psScript(ps`Add-MpPreference -ExclusionPath ${path}`),
      check: psScript(driftedWhen(present)),
      revert: (snapshot) => psScript(loadSnapshot(snapshot), ps`if (-not $snapshot.present) { Remove-MpPreference -ExclusionPath ${path} }`),
    };
  },
});
