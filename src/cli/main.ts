/** The `webgrad` executable (bundled to dist/cli/main.js with a shebang). */
import { main } from './cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    // Dawn (WebGPU) can keep handles open after the work is done; leave once output is flushed.
    process.exitCode = code;
    const exit = () => process.exit(code);
    if (process.stdout.writableNeedDrain) process.stdout.once('drain', exit);
    else setImmediate(exit);
  },
  (e: unknown) => {
    process.stderr.write(`webgrad: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  },
);
