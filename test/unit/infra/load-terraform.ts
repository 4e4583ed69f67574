import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from '@cdktf/hcl2json';

/** Repository root, from test/unit/infra. */
export const repoRoot = resolve(__dirname, '../../..');
export const infraDir = join(repoRoot, 'infra');

export type Block = Record<string, unknown>;

/** Every .tf file under infra/ parsed offline (HCL → JSON, the shape `terraform show -json` would not need). */
export interface TerraformConfig {
  files: string[];
  /** resource type → name → body (hcl2json gives each body as a one-element list). */
  resources: Record<string, Record<string, Block>>;
  locals: Block;
  variables: Record<string, Block>;
  outputs: Record<string, Block>;
  data: Record<string, Record<string, Block>>;
  terraform: Block[];
}

function single(value: unknown): Block {
  if (Array.isArray(value)) {
    if (value.length !== 1) throw new Error(`expected one block, got ${value.length}`);
    return value[0] as Block;
  }
  return value as Block;
}

export async function loadTerraform(dir = infraDir): Promise<TerraformConfig> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .sort();
  const config: TerraformConfig = {
    files,
    resources: {},
    locals: {},
    variables: {},
    outputs: {},
    data: {},
    terraform: [],
  };
  for (const file of files) {
    const parsed = await parse(file, readFileSync(join(dir, file), 'utf8'));
    for (const [type, byName] of Object.entries((parsed.resource ?? {}) as Record<string, Record<string, unknown>>)) {
      config.resources[type] ??= {};
      for (const [name, body] of Object.entries(byName)) {
        if (config.resources[type][name]) throw new Error(`duplicate resource ${type}.${name}`);
        config.resources[type][name] = single(body);
      }
    }
    for (const [type, byName] of Object.entries((parsed.data ?? {}) as Record<string, Record<string, unknown>>)) {
      config.data[type] ??= {};
      for (const [name, body] of Object.entries(byName)) config.data[type][name] = single(body);
    }
    for (const locals of (parsed.locals ?? []) as Block[]) Object.assign(config.locals, locals);
    for (const [name, body] of Object.entries((parsed.variable ?? {}) as Record<string, unknown>))
      config.variables[name] = single(body);
    for (const [name, body] of Object.entries((parsed.output ?? {}) as Record<string, unknown>))
      config.outputs[name] = single(body);
    config.terraform.push(...((parsed.terraform ?? []) as Block[]));
  }
  return config;
}

export function resource(config: TerraformConfig, type: string, name: string): Block {
  const body = config.resources[type]?.[name];
  if (!body) throw new Error(`no resource ${type}.${name} in ${config.files.join(', ')}`);
  return body;
}

/** A nested block (`push_config`, `dead_letter_policy` …), which hcl2json gives as a one-element list. */
export function block(body: Block, name: string): Block {
  const value = body[name];
  if (value === undefined) throw new Error(`no ${name} block`);
  return single(value);
}

/** Every string anywhere in a parsed tree, with the path that leads to it. */
export function* strings(value: unknown, path = ''): Generator<[string, string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* strings(v, `${path}[${i}]`);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value as Block)) yield* strings(v, path ? `${path}.${k}` : k);
}
