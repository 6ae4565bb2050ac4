// Starts @tus/server with @tus/file-store on 127.0.0.1 for Kancha's sync tests.
//
// Usage: node tus-server.mjs NODE_MODULES_DIR UPLOAD_DIR [PORT]
// Prints "listening PORT" once it accepts connections; uploads live under /files/.
// The packages are loaded from NODE_MODULES_DIR because ES modules ignore NODE_PATH.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [modules, directory, port = '0'] = process.argv.slice(2);
if (!modules || !directory) {
  console.error('usage: node tus-server.mjs NODE_MODULES_DIR UPLOAD_DIR [PORT]');
  process.exit(2);
}
const load = (name) => import(pathToFileURL(path.join(modules, name, 'dist', 'index.js')).href);
const { Server } = await load('@tus/server');
const { FileStore } = await load('@tus/file-store');

const server = new Server({ path: '/files', datastore: new FileStore({ directory }) });
const http = server.listen({ host: '127.0.0.1', port: Number(port) }, () => {
  console.log(`listening ${http.address().port}`);
});
process.on('SIGTERM', () => http.close(() => process.exit(0)));
