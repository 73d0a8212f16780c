/**
 * Walks command-line arguments for the bench scripts: `on` gets each flag's name (`--budget` for
 * both `--budget 60` and `--budget=60`) and a `value()` that reads its value from after the `=`
 * or from the next argument (then skipped).
 */
export function forEachFlag(argv: readonly string[], on: (flag: string, value: () => string) => void): void {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    on(flag, () => {
      if (eq >= 0) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    });
  }
}

/**
 * The value of `--name` in this process's arguments (`--name V` or `--name=V`), or undefined. For
 * the scripts that read a few named flags and ignore the rest.
 */
export function flagValue(name: string, argv: readonly string[] = process.argv.slice(2)): string | undefined {
  let found: string | undefined;
  forEachFlag(argv, (flag, value) => {
    if (flag === name) found = value();
  });
  return found;
}
