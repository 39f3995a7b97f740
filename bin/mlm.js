#!/usr/bin/env node
// The `mlm` command: runs the bundled CLI (built into dist/ by `npm install` / `npm run build`).
'use strict';
const path = require('path');
const fs = require('fs');
const entry = path.join(__dirname, '..', 'dist', 'cli', 'mlm.js');
if (!fs.existsSync(entry)) {
  process.stderr.write(`mlm: ${entry} is missing; build it with 'npm run build'\n`);
  process.exit(1);
}
require(entry);
