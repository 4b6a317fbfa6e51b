#!/usr/bin/env node
'use strict';
// The package bin `computehub [-c FILE]`, as the original's binary: runs the built hub, whose
// main reads its options from process.argv.
require(require('./built-app').builtEntry('computehub'));
