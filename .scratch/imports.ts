const b = process.memoryUsage().rss;
const t = performance.now();
await import(process.argv[2]);
globalThis.gc?.();
console.log(process.argv[2], Math.round(process.memoryUsage().rss / 1048576), 'MiB total', Math.round((process.memoryUsage().rss - b) / 1048576), 'delta', Math.round(performance.now() - t), 'ms', 'heap', Math.round(process.memoryUsage().heapUsed / 1048576));
