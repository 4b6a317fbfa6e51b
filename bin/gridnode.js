#!/usr/bin/env node
'use strict';
// The package bin `gridnode [-c FILE]`, as the original's binary: runs the built agent, whose
// main reads its options from process.argv.
require(require('./built-app').builtEntry('gridnode'));
