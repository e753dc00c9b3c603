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

/**
 * Loads the task into `$task`, or $null when there is none. Only "not found"
 * (the CIM query's ObjectNotFound) means none: a Task Scheduler or WMI failure
 * is an error, never an absent task (a check would call a failed probe healed,
 * a snapshot would forget a task that was there).
 */
function findTask(name: string, folder: string): string {
  return ps`$task = $null\ntry { $task = Get-ScheduledTask -TaskName ${name} -TaskPath ${folder} } catch { if ($_.CategoryInfo.Category -ne 'ObjectNotFound') { throw } }`;
}

/** A persistence scheduled task. A task of that name that existed before is exported and restored. */
export const scheduledTaskPersistence = defineFault({
  name: 'windows.scheduled_task_persistence',
  platform: 'windows',
  summary: 'Registers a persistence scheduled task (harmless action by default)',
  params,
  resources: () => ['scheduled_tasks'],
  footprint: () => ({}),
  build: ({ name, folder, execute, arguments: args, trigger }) => {
    const find = findTask(name, folder);
    // Drifted = the task runs the injected action: a task of that name that was there before is not drift.
    const injected = ps`@($task.Actions | Where-Object { $_.Execute -eq ${execute} -and [string]$_.Arguments -eq ${args} }).Count -gt 0`;
    return {
      snapshot: psScript(find, printJson(ps`[ordered]@{ existed = $null -ne $task; xml = $(if ($task) { Export-ScheduledTask -TaskName ${name} -TaskPath ${folder} } else { $null }) }`)),
      inject: psScript(
        args === '' ? ps`$action = New-ScheduledTaskAction -Execute ${execute}` : ps`$action = New-ScheduledTaskAction -Execute ${execute} -Argument ${args}`,
        `$trigger = ${TRIGGERS[trigger]}`,
        ps`Register-ScheduledTask -TaskName ${name} -TaskPath ${folder} -Action $action -Trigger $trigger -Force | Out-Null`,
      ),
      check: psCheck(find, driftedWhen(`$null -ne $task -and ${injected}`)),
      revert: (snapshot) =>
        psScript(
          loadSnapshot(snapshot),
          find,
          ps`if ($null -ne $task) { Unregister-ScheduledTask -TaskName ${name} -TaskPath ${folder} -Confirm:$false }`,
          ps`if ($snapshot.existed) { Register-ScheduledTask -Xml $snapshot.xml -TaskName ${name} -TaskPath ${folder} | Out-Null }`,
        ),
    };
  },
});
