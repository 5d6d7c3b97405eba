// Print OpenClaw's own record of an agent's session as JSON Lines, the input of
// `claw openclaw reconcile --session`. OpenClaw 2026.9.6 keeps session transcripts in SQLite
// (<state>/agents/<agent>/agent/openclaw-agent.sqlite, table transcript_events: one JSON
// event per row, as text or zstd-compressed); this reads them with Node's own node:sqlite,
// read-only, in sequence order.
//
//   node session-transcript.mjs STATE_DIR [--agent main] [--session ID | --key SESSION_KEY]
//
// Default: the session with the newest event. A Gateway run can leave more than one session
// behind (a chat command such as `/approve` is answered in the approver's own session, and
// that answer can land after the run's last event), so a test that knows the run's session
// key names it: --key reads the key's current session id from session_nodes.
import { DatabaseSync } from "node:sqlite";
import path from "node:path";
import zlib from "node:zlib";

process.stdout.on("error", (e) => process.exit(e.code === "EPIPE" ? 0 : 1));
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const state = args[0];
if (!state || state.startsWith("--")) {
  console.error("usage: session-transcript.mjs STATE_DIR [--agent ID] [--session ID | --key SESSION_KEY]");
  process.exit(2);
}
const db = new DatabaseSync(path.join(state, "agents", opt("--agent", "main"), "agent", "openclaw-agent.sqlite"), { readOnly: true });
let session = opt("--session");
const key = opt("--key");
if (!session && key) {
  const row = db.prepare("SELECT current_session_id FROM session_nodes WHERE session_key = ?").get(key);
  if (!row) {
    console.error(`no session with key ${key} in this state folder`);
    process.exit(1);
  }
  session = row.current_session_id;
}
if (!session) {
  const row = db.prepare("SELECT session_id FROM transcript_events GROUP BY session_id ORDER BY MAX(created_at) DESC LIMIT 1").get();
  if (!row) {
    console.error("no transcript in this state folder");
    process.exit(1);
  }
  session = row.session_id;
}
const rows = db.prepare("SELECT event_json, event_zstd FROM transcript_events WHERE session_id = ? ORDER BY seq").all(session);
for (const r of rows) {
  const text = r.event_json ?? (r.event_zstd ? zlib.zstdDecompressSync(r.event_zstd).toString("utf8") : null);
  if (text) process.stdout.write(text.replace(/\n/g, " ") + "\n");
}
db.close();
