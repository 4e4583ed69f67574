#!/usr/bin/env node
// The `stripe-qbo` command. The TypeScript sources compile to dist/ on `npm ci` (the `prepare` script).
require('../dist/shared/cli/main.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
