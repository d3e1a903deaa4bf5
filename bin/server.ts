// Process entry of the container: the route table handed to the server process.
import { OPERATIONS } from '../app/routes';
import { runServerProcess, webRootBeside } from '../lib/http/process';

void runServerProcess({ operations: OPERATIONS, defaultWebRoot: webRootBeside(import.meta.url) });
