#!/usr/bin/env node
/** The `keepr` executable: runs the CLI and sets the exit code (never exits early, so output is flushed). */
import { watchStdout } from './commands/common.js';
import { run } from './index.js';

watchStdout();
process.exitCode = await run(process.argv.slice(2));
