'use strict';
// Shared by the package bins: the path of a built app's main.js, or one line saying to build.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

/** The entry `nest build <app>` writes; exits 1 with one line when it is missing. */
exports.builtEntry = function builtEntry(app) {
  const entry = join(__dirname, '..', 'dist', 'apps', app, 'apps', app, 'src', 'main.js');
  if (!existsSync(entry)) {
    process.stderr.write(`${app}: not built yet (${entry} is missing): run \`npm run build\` first\n`);
    process.exit(1);
  }
  return entry;
};
