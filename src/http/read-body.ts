import type { IncomingMessage } from 'node:http';

/** The body up to `limit` bytes; undefined as soon as it is exceeded (a declared length over it is not read at all). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  if (Number(req.headers['content-length']) > limit) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', reject);
      req.off('close', onClose);
    };
    function onData(chunk: Buffer) {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      stop();
      resolve(undefined);
    }
    function onEnd() {
      stop();
      resolve(Buffer.concat(chunks));
    }
    function onClose() {
      stop();
      reject(new Error('the request closed before its body ended'));
    }
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', reject);
    req.once('close', onClose);
  });
}
