#!/usr/bin/env node
"use strict";
// Stack traces point into the workflow's .ts source (the loader emits inline source maps).
process.setSourceMapsEnabled(true);
require("../dist/cli/main.js")
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
