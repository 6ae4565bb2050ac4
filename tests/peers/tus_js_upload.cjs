// Uploads one file to a tus endpoint with tus-js-client (a third-party client), retrying after
// a cut connection. Usage: node tus_js_upload.cjs ENDPOINT TOKEN FILE CASE_ID
// Prints one JSON line: {"url": ..., "bytes": ...}.
const fs = require('fs');
const tus = require('tus-js-client');

const [endpoint, token, file, caseId] = process.argv.slice(2);
const data = fs.readFileSync(file);
const upload = new tus.Upload(data, {
  endpoint,
  headers: { Authorization: `Bearer ${token}` },
  metadata: { filename: 'scene.jpg', case_id: caseId, kind: 'scene_overview' },
  retryDelays: [0, 200, 500, 1000, 2000],
  storeFingerprintForResuming: false,
  onError(err) {
    console.error(`tus-js-client failed: ${err}`);
    process.exit(1);
  },
  onSuccess() {
    console.log(JSON.stringify({ url: upload.url, bytes: data.length }));
  },
});
upload.start();
