// Bundled in place of dockerode's lib/session.js (scripts/build.ts). That module serves BuildKit
// sessions for `buildImage` with `version: "2"`, which gatebox never calls, and loads gRPC and
// protobuf at startup to do it (~1 MB of code, ~3 MiB of a running server's memory). Should
// anything call it, it answers with an error instead of a session.
module.exports = function withSession(_docker, _auth, handler) {
  handler(new Error("BuildKit sessions are not built into gatebox"), null, () => undefined);
};
