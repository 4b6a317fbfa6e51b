#!/usr/bin/env node
'use strict';
// The package bin: runs the built CLI (`npm run build` makes it).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'dist', 'apps', 'gridctl', 'apps', 'gridctl', 'src', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write(`gridctl: not built yet (${entry} is missing): run \`npm run build\` first\n`);
  process.exit(1);
}
require(entry).run(process.argv);
