#!/usr/bin/env node
// The `stripe-qbo` command. The TypeScript sources compile to dist/ (`npm run build`, run by `npm install`'s
// `prepare`). Where the dev tools are built (a clone of the repository) the local-stack commands `start` and `demo`
// come with them; a build of the product alone (the deployed functions' source) has the operator commands only.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const devMain = join(__dirname, '..', 'dist', 'dev', 'cli', 'main.js');
require(existsSync(devMain) ? devMain : '../dist/shared/cli/main.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
