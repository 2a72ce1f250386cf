#!/usr/bin/env node
// The edgeinfer CLI (compiled from src/cli/main.ts and bundled by `npm run build`).
import { main } from "../dist/pkg/cli.js";

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
});
