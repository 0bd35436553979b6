import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { z } from 'zod';

/** Parses argv with node:util and validates the result with zod; exits with a sentence on bad input. */
export function cliArgs<T extends z.ZodType>(
  usage: string,
  options: NonNullable<ParseArgsConfig['options']>,
  schema: T,
  argv = process.argv.slice(2),
): z.infer<T> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      console.log(usage);
      process.exit(0);
    }
    const parsed = schema.safeParse({ ...values, positionals });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const name = issue.path[0] === 'positionals' ? 'argument' : `--${String(issue.path[0])}`;
      throw new Error(`${name} ${issue.message}`);
    }
    return parsed.data;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
}

/** Runs a CLI main function (which may return an exit code), turning thrown errors into one readable line and exit code 1. */
// biome-ignore lint/suspicious/noConfusingVoidType: a main that returns nothing exits 0; `undefined` would make every such main declare it
export function runCli(main: () => Promise<number | void>): void {
  main().then(
    (code) => process.exit(code ?? 0),
    (error: Error) => {
      console.error(`Error: ${error.message}`);
      if (process.env.DEBUG) console.error(error.stack);
      process.exit(1);
    },
  );
}
