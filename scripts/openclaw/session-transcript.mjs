// Print OpenClaw's own record of an agent's session as JSON Lines, the input of
// `claw openclaw reconcile --session`. OpenClaw 2026.9.6 keeps session transcripts in SQLite
// (<state>/agents/<agent>/agent/openclaw-agent.sqlite, table transcript_events: one JSON
// event per row, as text or zstd-compressed); this reads them with Node's own node:sqlite,
// read-only, in sequence order.
//
//   node session-transcript.mjs STATE_DIR [--agent main] [--session ID]   (default: the newest session)
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
  console.error("usage: session-transcript.mjs STATE_DIR [--agent ID] [--session ID]");
  process.exit(2);
}
const db = new DatabaseSync(path.join(state, "agents", opt("--agent", "main"), "agent", "openclaw-agent.sqlite"), { readOnly: true });
let session = opt("--session");
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
