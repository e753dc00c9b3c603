import type { Command } from 'commander';
import { createProgram } from './program.js';
import { register as registerSchema } from './commands/schema.js';
import { register as registerValidate } from './commands/validate.js';

type Registrar = (program: Command) => void;

/** Every command of the CLI, one module each (harness/cli/commands/*.ts). */
const registrars: Registrar[] = [registerValidate, registerSchema];

const program = createProgram();
for (const register of registrars) register(program);
await program.parseAsync(process.argv);
