// worker-thread.mjs: wasm/worker.mjs under Node's worker_threads, which have no Web Worker API.
// Run as a thread, this file gives worker.mjs the globals it expects (self.postMessage,
// self.onmessage) from parentPort, then imports it; imported on the main thread, it exports
// startWorker(), an object with the Web Worker's postMessage / onmessage / onerror / terminate
// for RemoteEngine.
import { Worker, isMainThread, parentPort } from 'node:worker_threads';

if (!isMainThread) {
  globalThis.self = globalThis;
  self.postMessage = (msg, transfer) => parentPort.postMessage(msg, transfer);
  // a browser queues messages until the worker's script has run; do the same
  const early = [];
  parentPort.on('message', (data) => (self.onmessage ? self.onmessage({ data }) : early.push(data)));
  await import('../../wasm/worker.mjs');
  for (const data of early.splice(0)) self.onmessage({ data });
}

/** A worker_threads Worker running wasm/worker.mjs, shaped like a Web Worker. */
export function startWorker() {
  const thread = new Worker(new URL(import.meta.url));
  const worker = {
    thread,
    postMessage: (msg, transfer) => thread.postMessage(msg, transfer),
    set onmessage(f) {
      thread.removeAllListeners('message');
      thread.on('message', (data) => f({ data }));
    },
    set onerror(f) {
      thread.removeAllListeners('error');
      thread.on('error', (e) => f(e));
    },
    terminate: () => thread.terminate(),
  };
  return worker;
}
