import { parseArgs } from 'node:util';
import { UsageError } from './io';

/**
 * One declarative spec per command: the parser and the help text are both generated from it, so `--help` cannot
 * drift from what the command accepts. Parsing is node:util parseArgs in its lenient mode with tokens, checked here
 * against the spec, so every usage error names the option or argument at fault (parseArgs' strict messages do not
 * always, and speak of "positional arguments" to people who typed a file name).
 */

interface OptionBase {
  /** One line in the help. */
  description: string;
  short?: string;
}

export interface StringOption extends OptionBase {
  type: 'string';
  /** The placeholder in usage and help: `--tenant ID`. */
  value: string;
  required?: boolean;
  default?: string;
  choices?: readonly string[];
}

export interface BooleanOption extends OptionBase {
  type: 'boolean';
}

export interface IntegerOption extends OptionBase {
  type: 'integer';
  value: string;
  default?: number;
  min?: number;
}

export type OptionSpec = StringOption | BooleanOption | IntegerOption;

export interface PositionalSpec {
  /** The placeholder in usage and help: `ID`, `EVENT.json`. */
  name: string;
  /** A noun phrase ("the Stripe event file"): one help line, and "… is required" when missing. */
  description: string;
  required?: boolean;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** Said below the usage line when a summary is not enough. */
  details?: readonly string[];
  options?: Readonly<Record<string, OptionSpec>>;
  positionals?: readonly PositionalSpec[];
  examples: readonly [string, ...string[]];
}

export interface GroupSpec {
  name: string;
  summary: string;
  details?: readonly string[];
  subcommands: readonly CommandSpec[];
  /** Run when no subcommand is named (`review` lists). */
  defaultSubcommand?: string;
  examples: readonly [string, ...string[]];
}

export type CliSpec = CommandSpec | GroupSpec;

export const isGroup = (spec: CliSpec): spec is GroupSpec => 'subcommands' in spec;

/** Keeps a spec's literal types (option names, choices, which positionals are required) for `parseCommand`. */
export const defineCommand = <const S extends CommandSpec>(spec: S): S => spec;
export const defineGroup = <const G extends GroupSpec>(spec: G): G => spec;

type Choice<O> = O extends { choices: readonly (infer C)[] } ? C : string;
type OptionValue<O> = O extends { type: 'boolean' }
  ? boolean
  : O extends { type: 'integer' }
    ? O extends { default: number }
      ? number
      : number | undefined
    : O extends { required: true } | { default: string }
      ? Choice<O>
      : Choice<O> | undefined;

export type OptionValues<S extends CommandSpec> = {
  -readonly [K in keyof NonNullable<S['options']>]: OptionValue<NonNullable<S['options']>[K]>;
};

type PositionalValues<P> = { -readonly [I in keyof P]: P[I] extends { required: true } ? string : string | undefined };

export interface ParsedCommand<S extends CommandSpec> {
  values: OptionValues<S>;
  positionals: S['positionals'] extends readonly PositionalSpec[] ? PositionalValues<S['positionals']> : [];
}

const HELP_FLAGS = new Set(['--help', '-h']);

/** `--help` or `-h` anywhere before `--` wins over everything else on the line, as people expect. */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => HELP_FLAGS.has(arg));
}

function flag(name: string): string {
  return `--${name}`;
}

function toValue(name: string, option: OptionSpec, raw: string | boolean | undefined): unknown {
  if (option.type === 'boolean') return raw === true;
  if (raw === undefined || raw === true || raw === false) {
    if (option.type === 'string' && option.required) throw new UsageError(`${flag(name)} is required`);
    return option.default;
  }
  if (option.type === 'integer') {
    if (!/^\d+$/.test(raw)) throw new UsageError(`${flag(name)} needs a whole number (got "${raw}")`);
    const value = Number(raw);
    if (option.min !== undefined && value < option.min)
      throw new UsageError(`${flag(name)} must be at least ${option.min} (got ${value})`);
    return value;
  }
  if (option.choices && !option.choices.includes(raw))
    throw new UsageError(`${flag(name)} must be one of ${option.choices.join(', ')} (got "${raw}")`);
  return raw;
}

/**
 * Parses one (sub)command's arguments against its spec; throws UsageError naming the unknown option, the option
 * without its value, the missing argument or the extra one. `--help` is the caller's business (see `wantsHelp`).
 */
export function parseCommand<const S extends CommandSpec>(spec: S, argv: readonly string[]): ParsedCommand<S> {
  const options: Readonly<Record<string, OptionSpec>> = spec.options ?? {};
  const parserOptions: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, option] of Object.entries(options))
    parserOptions[name] = {
      type: option.type === 'boolean' ? 'boolean' : 'string',
      ...(option.short ? { short: option.short } : {}),
    };
  const { tokens } = parseArgs({
    args: [...argv],
    options: parserOptions,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const raw: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    const option = options[token.name];
    if (!option) throw new UsageError(`unknown option ${token.rawName}`);
    if (option.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`);
      raw[token.name] = true;
      continue;
    }
    // parseArgs takes the next word as the value even when it is another option (`--tenant --json`).
    if (token.value === undefined || (!token.inlineValue && token.value.startsWith('-')))
      throw new UsageError(`${token.rawName} needs a value (${flag(token.name)} ${option.value})`);
    raw[token.name] = token.value;
  }
  const values: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(options)) values[name] = toValue(name, option, raw[name]);

  const expected = spec.positionals ?? [];
  const missing = expected.slice(positionals.length).find((positional) => positional.required);
  if (missing) throw new UsageError(`${missing.description} is required (${missing.name})`);
  if (positionals.length > expected.length)
    throw new UsageError(
      `unexpected argument "${positionals[expected.length] ?? ''}"${
        expected.length === 0 ? ' (this command takes none)' : ` (it takes ${expected.map((p) => p.name).join(' ')})`
      }`,
    );
  return { values, positionals } as ParsedCommand<S>;
}

export type SubcommandName<G extends GroupSpec> = G['subcommands'][number]['name'];

/** Picks a group's subcommand from the first word; the rest of the line is the subcommand's. */
export function selectSubcommand<const G extends GroupSpec>(
  group: G,
  argv: readonly string[],
): { spec: G['subcommands'][number]; name: SubcommandName<G>; argv: string[] } {
  const [first, ...rest] = argv;
  const named = first !== undefined && !first.startsWith('-');
  const name = named ? first : group.defaultSubcommand;
  const names = group.subcommands.map((sub) => sub.name).join(', ');
  if (name === undefined) throw new UsageError(`a subcommand is required: ${names}`);
  const spec = group.subcommands.find((sub) => sub.name === name);
  if (!spec) throw new UsageError(`unknown subcommand "${name}" (${names})`);
  return { spec, name, argv: named ? rest : [...argv] };
}
