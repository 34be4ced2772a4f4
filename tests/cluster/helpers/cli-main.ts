// Runs the darkscope CLI from source in a child process (tests/cluster/helpers/cli-process.ts).
import { main } from '../../../src/cli/main.js';

process.exitCode = await main(process.argv);
