import { join, relative, sep } from 'node:path';
import ts from 'typescript';
import { loadTerraform } from '../infra/load-terraform';

const ROOT = join(__dirname, '..', '..', '..');

/** Every file the functions' build (tsconfig.build.json, what Cloud Build runs) compiles, relative to the root. */
function functionsBuildInputs(): string[] {
  const configPath = join(ROOT, 'tsconfig.build.json');
  const read = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, ROOT);
  // The program follows imports, so a product file importing dev/ would pull it into the build: that is the check.
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  return program
    .getSourceFiles()
    .map((file) => relative(ROOT, file.fileName).split(sep).join('/'))
    .filter((file) => !file.startsWith('node_modules/') && !file.startsWith('..'));
}

describe('the functions build', () => {
  const inputs = functionsBuildInputs();

  it('compiles the product and nothing of the dev tools, benchmarks or tests', () => {
    expect(inputs.length).toBeGreaterThan(50);
    expect(inputs.filter((file) => /^(dev|bench|test)\//.test(file))).toEqual([]);
    for (const file of inputs) expect(file).toMatch(/^(functions|shared|schemas)\//);
  });

  it('holds no QBO simulator, Stripe stand-in, local stack or scenario code', () => {
    const devish = inputs.filter((file) => /simulator|stand-in|local-stack|scenario|demo/i.test(file));
    expect(devish).toEqual([]);
  });

  it('includes every function entry point', () => {
    expect(inputs).toEqual(expect.arrayContaining(['functions/index.ts', 'functions/stripe-webhook.ts']));
  });

  it('the deployed source archive leaves dev/ and bench/ out', async () => {
    const terraform = await loadTerraform();
    const archive = terraform.data.archive_file?.source as { excludes?: string[] } | undefined;
    expect(archive?.excludes).toEqual(expect.arrayContaining(['dev', 'bench', 'test']));
  });
});
