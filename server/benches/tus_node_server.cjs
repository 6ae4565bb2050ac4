// Baseline for the upload benchmark: @tus/server with @tus/file-store (third-party reference).
// Usage: node tus_node_server.cjs PORT DIR — prints "ready" once listening.
const { Server } = require('@tus/server');
const { FileStore } = require('@tus/file-store');

const [port, dir] = process.argv.slice(2);
const server = new Server({ path: '/v1/uploads', datastore: new FileStore({ directory: dir }), maxSize: 1 << 30 });
server.listen({ host: '127.0.0.1', port: Number(port) }, () => console.log('ready'));
