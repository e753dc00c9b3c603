import { z } from 'zod';
import { psCheck, psScript } from '../../quoting/powershell.js';
import { ps } from '../../quoting/shell.js';
import { defineFault } from '../fault.js';
import { driftedWhen, loadSnapshot, printJson } from './common.js';

const params = z.strictObject({
  name: z.string().min(1).regex(/^[^\\/]+$/, 'a task name, without folder (use `folder`)').default('ChaoslabPersistence'),
  folder: z.string().regex(/^\\([^\\]+\\)*$/, 'a task folder like \\ or \\Vendor\\').default('\\'),
  /** A harmless action by default: even if the trigger fires, it does nothing. */
  execute: z.string().min(1).default('C:\\Windows\\System32\\cmd.exe'),
  arguments: z.string().default('/c exit 0'),
  trigger: z.enum(['logon', 'startup', 'daily']).default('logon'),
});

const TRIGGERS = {
  logon: 'New-ScheduledTaskTrigger -AtLogOn',
  startup: 'New-ScheduledTaskTrigger -AtStartup',
  daily: "New-ScheduledTaskTrigger -Daily -At '03:00'",
} as const;

/** A persistence scheduled task. A task of that name that existed before is exported and restored. */
export const scheduledTaskPersistence = defineFault({
  name: 'windows.scheduled_task_persistence',
  platform: 'windows',
  summary: 'Registers a persistence scheduled task (harmless action by default)',
  params,
  resources: () => ['scheduled_tasks'],
  footprint: () => ({}),
  build: ({ name, folder, execute, arguments: args, trigger }) => {
    const lookup = ps`Get-ScheduledTask -TaskName ${name} -TaskPath ${folder} -ErrorAction SilentlyContinue`;
    return {
      snapshot: psScript(
        `$task = ${lookup}`,
        printJson(ps`[ordered]@{ existed = $null -ne $task; xml = $(if ($task) { Export-ScheduledTask -TaskName ${name} -TaskPath ${folder} } else { $null }) }`),
      ),
      inject: psScript(
        args === '' ? ps`$action = New-ScheduledTaskAction -Execute ${execute}` : ps`$action = New-ScheduledTaskAction -Execute ${execute} -Argument ${args}`,
        `$trigger = ${TRIGGERS[trigger]}`,
        ps`Register-ScheduledTask -TaskName ${name} -TaskPath ${folder} -Action $action -Trigger $trigger -Force | Out-Null`,
      ),
      check: psCheck(driftedWhen(`$null -ne (${lookup})`)),
      revert: (snapshot) =>
        psScript(
          loadSnapshot(snapshot),
          ps`Unregister-ScheduledTask -TaskName ${name} -TaskPath ${folder} -Confirm:$false -ErrorAction SilentlyContinue`,
          ps`if ($snapshot.existed) { Register-ScheduledTask -Xml $snapshot.xml -TaskName ${name} -TaskPath ${folder} -Force | Out-Null }`,
        ),
    };
  },
});
