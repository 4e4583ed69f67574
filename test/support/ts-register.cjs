// Lets a child Node process run the TypeScript sources directly (the test suite has no build step): compiles each
// required .ts file with @swc/core, the compiler jest already uses.
const { readFileSync } = require('node:fs');
const swc = require('@swc/core');

// Resolution tries extensions in insertion order: `.ts` goes before `.json`, or `schemas/x.schema` would load the
// emitted `x.schema.json` instead of `x.schema.ts`.
const later = ['.json', '.node'].map((ext) => [ext, require.extensions[ext]]);
for (const [ext] of later) delete require.extensions[ext];

require.extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(readFileSync(filename, 'utf8'), {
    filename,
    module: { type: 'commonjs' },
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
  });
  module._compile(code, filename);
};

for (const [ext, load] of later) require.extensions[ext] = load;
