#!/usr/bin/env node
import { runCli } from '../lib/main.js';

await runCli();
