import type { Command } from 'commander';
import { createProgram } from './program.js';

type Registrar = (program: Command) => void;

/** Every command of the CLI, one module each (harness/cli/commands/*.ts). */
const registrars: Registrar[] = [];

const program = createProgram();
for (const register of registrars) register(program);
await program.parseAsync(process.argv);
