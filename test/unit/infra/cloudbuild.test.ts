import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './load-terraform';

interface Step {
  id?: string;
  name: string;
  entrypoint?: string;
  args?: string[];
  dir?: string;
}

interface CloudBuild {
  steps: Step[];
  substitutions?: Record<string, string>;
}

const config = parse(readFileSync(join(repoRoot, 'cloudbuild.yaml'), 'utf8')) as CloudBuild;
const commandOf = (step: Step) => [step.entrypoint ?? '', ...(step.args ?? [])].join(' ');
const readme = (() => {
  try {
    return readFileSync(join(repoRoot, 'README.md'), 'utf8');
  } catch {
    return '';
  }
})();

describe('cloudbuild.yaml', () => {
  const steps = config.steps;
  const testStep = steps.findIndex((s) => /\bbash \.ci\/run\b|\bnpm test\b/.test(commandOf(s)));
  const applySteps = steps.flatMap((s, i) =>
    s.name.startsWith('hashicorp/terraform') && s.args?.[0] === 'apply' ? [i] : [],
  );

  it('runs the test command (`npm test`, through .ci/run with the emulators) before any terraform apply', () => {
    expect(testStep).toBeGreaterThanOrEqual(0);
    expect(readFileSync(join(repoRoot, '.ci', 'run'), 'utf8')).toMatch(/^npm test$/m);
    if (/npm (run )?test/.test(readme)) expect(readme).toContain('npm test');
    expect(applySteps.length).toBeGreaterThan(0);
    for (const apply of applySteps) expect(testStep).toBeLessThan(apply);
  });

  it('installs, tests, builds, then plans and applies a saved plan', () => {
    const index = (pattern: RegExp) => steps.findIndex((s) => pattern.test(commandOf(s)));
    const build = index(/\bnpm run build\b|^npm run build$|npm run build/);
    const init = steps.findIndex((s) => s.args?.[0] === 'init');
    const plan = steps.findIndex((s) => s.args?.[0] === 'plan');
    expect(testStep).toBeLessThan(build);
    expect(build).toBeLessThan(init);
    expect(init).toBeLessThan(plan);
    expect(plan).toBeLessThan(applySteps[0] as number);
    expect(steps[plan]?.args).toContain('-out=tfplan');
    expect(steps[applySteps[0] as number]?.args).toContain('tfplan');
  });

  it('runs Terraform from infra/ on a pinned image, with the state bucket given at init', () => {
    for (const step of steps.filter((s) => s.name.startsWith('hashicorp/terraform'))) {
      expect(step.name).toMatch(/^hashicorp\/terraform:\d+\.\d+\.\d+$/);
      expect(step.dir).toBe('infra');
    }
    expect(steps.find((s) => s.args?.[0] === 'init')?.args).toContain('-backend-config=bucket=${_TF_STATE_BUCKET}');
  });

  it('documents and defaults every substitution it uses', () => {
    const text = readFileSync(join(repoRoot, 'cloudbuild.yaml'), 'utf8');
    const used = new Set([...text.matchAll(/\$\{(_[A-Z_]+)\}/g)].map((m) => m[1] as string));
    for (const name of used) {
      expect(Object.keys(config.substitutions ?? {})).toContain(name);
      expect(text).toMatch(new RegExp(`^#\\s+${name}\\s`, 'm'));
    }
  });
});
