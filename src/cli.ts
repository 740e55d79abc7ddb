#!/usr/bin/env node
// `jest-tracemalloc <command>`: the package's command (package.json "bin"); the commands are in cli/.
import { run } from './cli/main';

export { run, usages } from './cli/main';

if (require.main === module) {
  const { stdout, stderr, code } = run(process.argv.slice(2));
  if (stdout) process.stdout.write(`${stdout}\n`);
  if (stderr) process.stderr.write(`${stderr}\n`);
  process.exitCode = code;
}
