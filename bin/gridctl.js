#!/usr/bin/env node
'use strict';
// The package bin: runs the built CLI (`npm run build` makes it).
require(require('./built-app').builtEntry('gridctl')).run(process.argv);
