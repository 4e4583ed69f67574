import { isGroup, type CliSpec, type CommandSpec, type GroupSpec, type OptionSpec } from './spec';

/** The help and usage texts, generated from the same specs the parser reads. */

export const PROGRAM = 'stripe-qbo';

function optionUsage(name: string, option: OptionSpec): string {
  const text = option.type === 'boolean' ? `--${name}` : `--${name} ${option.value}`;
  return option.type === 'string' && option.required ? text : `[${text}]`;
}

/** `usage: stripe-qbo backfill start --tenant ID --from YYYY-MM-DD … [--json]`; `path` is the words after the program. */
export function usageLine(spec: CliSpec, path: readonly string[]): string {
  const words = [PROGRAM, ...path];
  if (isGroup(spec)) return `usage: ${[...words, '<subcommand>', '[options]'].join(' ')}`;
  const options = Object.entries(spec.options ?? {});
  // What must be typed first (required options, then arguments), then what may be.
  const required = options.filter(([, option]) => option.type === 'string' && option.required);
  const optional = options.filter(([, option]) => !(option.type === 'string' && option.required));
  const positionals = (spec.positionals ?? []).map((p) => (p.required ? p.name : `[${p.name}]`));
  return `usage: ${[
    ...words,
    ...required.map(([name, option]) => optionUsage(name, option)),
    ...positionals,
    ...optional.map(([name, option]) => optionUsage(name, option)),
  ].join(' ')}`;
}

function optionDescription(option: OptionSpec): string {
  const parts = [option.description];
  if (option.type === 'string' && option.choices && !option.description.includes(option.choices[0] ?? ''))
    parts.push(`(${option.choices.join(', ')})`);
  if (option.type !== 'boolean' && option.default !== undefined) parts.push(`(default ${option.default})`);
  if (option.type === 'string' && option.required) parts.push('(required)');
  return parts.join(' ');
}

function table(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}

function commandHelp(spec: CommandSpec): string[] {
  const optionRows: Array<readonly [string, string]> = Object.entries(spec.options ?? {}).map(([name, option]) => [
    `${option.short ? `-${option.short}, ` : ''}--${name}${option.type === 'boolean' ? '' : ` ${option.value}`}`,
    optionDescription(option),
  ]);
  optionRows.push(['-h, --help', 'show this help']);
  const positionals = spec.positionals ?? [];
  return [
    ...(positionals.length > 0
      ? [
          'arguments:',
          ...table(positionals.map((p) => [p.name, `${p.description}${p.required ? '' : ' (optional)'}`])),
          '',
        ]
      : []),
    'options:',
    ...table(optionRows),
  ];
}

function groupHelp(spec: GroupSpec, path: readonly string[]): string[] {
  return [
    'subcommands:',
    ...table(
      spec.subcommands.map((sub) => [
        sub.name,
        `${sub.summary}${sub.name === spec.defaultSubcommand ? ' (the default)' : ''}`,
      ]),
    ),
    '',
    `Run "${[PROGRAM, ...path].join(' ')} <subcommand> --help" for a subcommand's arguments and options.`,
  ];
}

/** The full help for one command or subcommand: usage, what it does, arguments, options, examples. */
export function helpText(spec: CliSpec, path: readonly string[]): string {
  return [
    usageLine(spec, path),
    '',
    spec.summary.charAt(0).toUpperCase() + spec.summary.slice(1) + '.',
    ...(spec.details ?? []),
    '',
    ...(isGroup(spec) ? groupHelp(spec, path) : commandHelp(spec)),
    '',
    'examples:',
    ...spec.examples.map((example) => `  ${example}`),
  ].join('\n');
}

/** What a usage error prints under its message: the usage line and where the full help is. */
export function usageHint(spec: CliSpec, path: readonly string[]): string {
  return `${usageLine(spec, path)}\nRun "${[PROGRAM, ...path].join(' ')} --help" for details and examples.`;
}

/** `stripe-qbo --help`: every command with its summary. */
export function programHelp(specs: readonly CliSpec[]): string {
  return [
    `usage: ${PROGRAM} <command> [subcommand] [options]`,
    '',
    'commands:',
    ...table(specs.map((spec) => [spec.name, spec.summary])),
    '',
    `Run "${PROGRAM} <command> --help" for a command's arguments, options and examples.`,
    '',
    'examples:',
    ...specs.slice(0, 2).map((spec) => `  ${spec.examples[0]}`),
  ].join('\n');
}
