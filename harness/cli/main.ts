import type { Command } from 'commander';
import { createProgram } from './program.js';
import { installCrashHandlers } from './crash.js';
import { addUsageHints } from './usage.js';
import { redactStandardStreams } from './redacted-output.js';
import { register as registerSchema } from './commands/schema.js';
import { register as registerValidate } from './commands/validate.js';
import { register as registerRun } from './commands/run.js';
import { register as registerList } from './commands/list.js';
import { register as registerRevert } from './commands/revert.js';
import { register as registerReport } from './commands/report.js';
import { register as registerDoctor } from './commands/doctor.js';
import { register as registerLab } from './commands/lab.js';
import { register as registerVerify } from './commands/verify.js';
import { register as registerSelfTest } from './commands/self-test.js';

type Registrar = (program: Command) => void;

/** Every command of the CLI, one module each (harness/cli/commands/*.ts). */
const registrars: Registrar[] = [registerValidate, registerSchema, registerRun, registerList, registerRevert, registerReport, registerDoctor, registerLab, registerVerify, registerSelfTest];

redactStandardStreams();
installCrashHandlers();
const program = createProgram();
for (const register of registrars) register(program);
addUsageHints(program);
await program.parseAsync(process.argv);
