// A child process of `npm run bench:evidence`: s3rver on loopback, in its own
// process so that its CPU and memory are neither the benchmark client's nor
// the server's. Prints one JSON line {"port": N} when it listens; stops on
// SIGTERM or when its parent's stdin pipe closes.
//   node bench/evidence/s3rver.mjs <directory> <bucket>
import S3rver from 's3rver';

const [directory, bucket] = process.argv.slice(2);
if (!directory || !bucket) {
  process.stderr.write('usage: node bench/evidence/s3rver.mjs <directory> <bucket>\n');
  process.exit(2);
}

const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);

let closing = false;
const close = async () => {
  if (closing) return;
  closing = true;
  await server.close().catch(() => undefined);
  process.exit(0);
};
process.on('SIGTERM', () => void close());
process.on('SIGINT', () => void close());
// The benchmark died without a word: do not outlive it.
process.stdin.on('end', () => void close());
process.stdin.resume();
