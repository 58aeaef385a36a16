import { parseArgs, type ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { UsageError } from '../errors.js';

/** Options as `node:util` parseArgs takes them. */
export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** The parsed options: a string or boolean by their `type`, absent when not given. */
export type OptionValues<O extends OptionsConfig> = { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string };

/** `--config`/`-c` and `--help`/`-h`, which every subcommand takes. */
export const COMMON_OPTIONS = {
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionsConfig;

/**
 * `node:util` parseArgs, strict: an unknown option, a missing option value or an option given
 * a value it does not take is a {@link UsageError} instead of a TypeError with a stack.
 */
export function parseCommandLine<const O extends OptionsConfig>(args: string[], options: O): { values: OptionValues<O>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as OptionValues<O>, positionals };
  } catch (error) {
    if (error instanceof TypeError && String((error as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

/**
 * Validates the positional arguments, named in order by `names`, with a zod object schema of
 * those names: a missing one or a bad one is a {@link UsageError} naming it as `<name>`.
 */
export function parsePositionals<S extends z.ZodType>(schema: S, names: readonly string[], positionals: readonly string[]): z.output<S> {
  if (positionals.length > names.length) {
    throw new UsageError(`too many arguments: ${JSON.stringify(positionals.slice(names.length).join(' '))} (expected ${names.map((n) => `<${n}>`).join(' ')})`);
  }
  const input: Record<string, string> = {};
  names.forEach((name, index) => {
    const value = positionals[index];
    if (value !== undefined) input[name] = value;
  });
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const name = String(issue.path[0] ?? 'arguments');
  throw new UsageError(input[name] === undefined ? `missing argument <${name}>` : `<${name}>: ${issue.message}`);
}

/** The config file, named once at most: `--config F` or the one argument. */
export function configFileArg(option: string | undefined, positionals: readonly string[]): string | undefined {
  if (positionals.length > 1) throw new UsageError(`one config file at most, got ${positionals.length}: ${positionals.join(' ')}`);
  const positional = positionals[0];
  if (option !== undefined && positional !== undefined) {
    throw new UsageError(`two config files: --config ${option} and ${positional}; give one`);
  }
  return option ?? positional;
}

/** Text that parses as JSON: event data and presence data are given as JSON on the command line. */
export const jsonTextSchema = z.string().refine((text) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}, `must be JSON, e.g. '{"text":"hi"}'`);
