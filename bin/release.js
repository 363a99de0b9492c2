#!/usr/bin/env node
import { runCli } from '../lib/cli.js';

await runCli();
