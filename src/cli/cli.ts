/**
 * `webgrad`: the command line. `main(argv, io)` runs one command in-process and returns its exit
 * code (0 ok, 1 failed while running, 2 bad usage); src/cli/main.ts wires it to the process.
 */
import { didYouMean, formatHelp, parseArgs, usageLine, UsageError, wrap } from './args.js';
import { evaluateCmd, findLr, predict, studyBatch, train, type CommandContext } from './commands.js';
import { COMMAND_ORDER, COMMANDS } from './specs.js';
import { Ui, type CliIO } from './ui.js';

export const PROGRAM = 'webgrad';

const RUNNERS: Record<string, (c: CommandContext) => Promise<number>> = {
  train, 'find-lr': findLr, 'study-batch': studyBatch, evaluate: evaluateCmd, predict,
};

function generalHelp(): string {
  const lines = [
    `Usage: ${PROGRAM} <command> [options]`,
    '',
    'Train and inspect text classifiers (Embedding → Bidirectional GRU → Dense) with an LR range test,',
    'early stopping and a batch-size study; every run writes a self-contained report.html.',
    '',
    'Commands:',
    ...COMMAND_ORDER.flatMap((c) => wrap(COMMANDS[c]!.summary, 84).map((line, i) => `  ${(i === 0 ? c : '').padEnd(14)}${line}`)),
    '',
    `Run '${PROGRAM} <command> --help' for a command's options.`,
    `Default: '${PROGRAM} train' on the SpamAssassin corpus bundled offline (npm start).`,
    '',
  ];
  return lines.join('\n');
}

function quoteArg(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** Runs the command line `argv` (without node and the script). Returns the exit code. */
export async function main(argv: readonly string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? rest[0] : undefined;
    io.stdout.write(topic && COMMANDS[topic] ? formatHelp(PROGRAM, COMMANDS[topic]!) : generalHelp());
    return 0;
  }
  if (name === '--version' || name === '-V') {
    const { readFileSync } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    try {
      io.stdout.write(`${JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')).version}\n`);
    } catch {
      io.stdout.write('unknown\n');
    }
    return 0;
  }
  const spec = COMMANDS[name];
  if (!spec) {
    const hint = name.startsWith('-') ? ` (a command comes first, e.g. '${PROGRAM} train ${name}')` : didYouMean(name, COMMAND_ORDER);
    io.stderr.write(`${PROGRAM}: error: unknown command '${name}'${hint}\nUsage: ${PROGRAM} <command> [options]; commands: ${COMMAND_ORDER.join(', ')}\n`);
    return 2;
  }
  const { statSync } = await import('node:fs');
  const { resolve } = await import('node:path');
  const exists = (p: string): 'file' | 'dir' | null => {
    try {
      return statSync(resolve(cwd, p)).isDirectory() ? 'dir' : 'file';
    } catch {
      return null;
    }
  };
  let ui: Ui | null = null;
  try {
    const args = parseArgs(spec, rest, exists);
    if (args.help) {
      io.stdout.write(formatHelp(PROGRAM, spec));
      return 0;
    }
    ui = new Ui(io, { quiet: !!args.values.quiet, json: !!args.values.json });
    const commandLine = [PROGRAM, ...argv].map(quoteArg).join(' ');
    return await RUNNERS[name]!({ cmd: name, args, ui, cwd, commandLine });
  } catch (e) {
    ui?.flush();
    if (e instanceof UsageError) {
      io.stderr.write(`${PROGRAM} ${name}: error: ${e.message}\nUsage: ${usageLine(PROGRAM, spec)} (see '${PROGRAM} ${name} --help')\n`);
      return 2;
    }
    const err = e as Error;
    io.stderr.write(`${PROGRAM} ${name}: error: ${err?.message ?? String(e)}\n`);
    if (process.env.WEBGRAD_DEBUG && err?.stack) io.stderr.write(`${err.stack}\n`);
    return 1;
  } finally {
    ui?.flush();
  }
}
